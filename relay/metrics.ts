import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { Counter, Gauge, Registry } from 'prom-client'
import type { Metrics } from '@libp2p/interface'

/** What the Coffer gauges read when Prometheus scrapes. */
export interface RelayGaugeSources {
  connections(): number
  reservations(): number
  sockets(): number
  clientIps(): number
  discoveryTopics(): number
  meshRelays(): number
}

/**
 * The relay's Prometheus registry: libp2p's own metrics (connections, streams and bytes per
 * protocol — relayed bytes are the circuit relay hop/stop protocols' series of
 * `libp2p_data_transfer_bytes_total` — plus Node's process metrics) and Coffer's below.
 * A registry of its own, so two relays in one process (tests) do not collide.
 */
export class RelayMetrics {
  readonly registry = new Registry()
  private readonly refusals = new Counter({
    name: 'coffer_relay_refusals_total',
    help: 'Connections and requests refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  private readonly discovery = new Counter({
    name: 'coffer_relay_discovery_messages_total',
    help: 'Discovery messages the relay received on co-op topics',
    registers: [this.registry],
  })
  /** For `createLibp2p({ metrics })`. */
  libp2p(): (components: Parameters<ReturnType<typeof prometheusMetrics>>[0]) => Metrics {
    return prometheusMetrics({ registry: this.registry, preserveExistingMetrics: true })
  }

  /** Registers the gauges that are read at scrape time. */
  watch(sources: RelayGaugeSources): void {
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read())
        },
      })
    }
    gauge('coffer_relay_connections', 'Open libp2p connections', () => sources.connections())
    gauge('coffer_relay_reservations', 'Circuit relay reservations held', () =>
      sources.reservations(),
    )
    gauge('coffer_relay_sockets', 'Open WebSockets', () => sources.sockets())
    gauge('coffer_relay_client_ips', 'Distinct client addresses with a socket open', () =>
      sources.clientIps(),
    )
    gauge('coffer_relay_discovery_topics', 'Co-op discovery topics routed', () =>
      sources.discoveryTopics(),
    )
    gauge('coffer_relay_mesh_relays', 'Relays of the pod (--mesh) connected now', () =>
      sources.meshRelays(),
    )
  }

  refused(reason: string): void {
    this.refusals.inc({ reason })
  }

  discoveryMessage(): void {
    this.discovery.inc()
  }

  /** The text exposition and its content type. */
  async scrape(): Promise<{ type: string; body: string }> {
    return { type: this.registry.contentType, body: await this.registry.metrics() }
  }
}
