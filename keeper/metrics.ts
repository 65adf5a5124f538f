import { Counter, Gauge, Registry } from 'prom-client'

/** What the gauges read when Prometheus scrapes. */
export interface KeeperGaugeSources {
  shards(): number
  bytes(): number
  pledgeBytes(): Promise<number>
  relaysConnected(): number
  connections(): number
}

/**
 * The keeper's Prometheus registry (its own, so two keepers in one test process do not
 * collide): shards and bytes held, the pledge, requests by protocol, type and outcome, refusals
 * by reason, and block files that failed their CID check.
 */
export class KeeperMetrics {
  readonly registry = new Registry()
  readonly #requests = new Counter({
    name: 'coffer_keeper_requests_total',
    help: 'Requests answered, by protocol, request type and outcome',
    labelNames: ['protocol', 'request', 'outcome'],
    registers: [this.registry],
  })
  readonly #refusals = new Counter({
    name: 'coffer_keeper_refusals_total',
    help: 'Store and build requests refused, by reason (PLEDGE_FULL, CID_MISMATCH, ...)',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly #corrupt = new Counter({
    name: 'coffer_keeper_corrupt_blocks_total',
    help: 'Block files that failed their CID check and were set aside',
    registers: [this.registry],
  })
  /** Refusals by reason, kept for /health as well. */
  readonly refusals: Record<string, number> = {}

  storeAnswered(request: string, outcome: string): void {
    this.#requests.inc({ protocol: 'store', request, outcome: outcome === 'ok' ? 'ok' : 'refused' })
    if (outcome !== 'ok') {
      this.#refusals.inc({ reason: outcome })
      this.refusals[outcome] = (this.refusals[outcome] ?? 0) + 1
    }
  }

  fetchAnswered(request: 'fetch' | 'has', found: boolean): void {
    this.#requests.inc({ protocol: 'fetch', request, outcome: found ? 'ok' : 'not-found' })
  }

  corruptBlock(): void {
    this.#corrupt.inc()
  }

  watch(sources: KeeperGaugeSources): void {
    const gauge = (name: string, help: string, read: () => number | Promise<number>): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(await read())
        },
      })
    }
    gauge('coffer_keeper_shards', 'Shards held for members', () => sources.shards())
    gauge('coffer_keeper_bytes', 'Bytes held for members', () => sources.bytes())
    gauge('coffer_keeper_pledge_bytes', 'Pledge, capped by free disk', () => sources.pledgeBytes())
    gauge('coffer_keeper_relays_connected', 'Co-op relays connected', () =>
      sources.relaysConnected(),
    )
    gauge('coffer_keeper_connections', 'Open libp2p connections', () => sources.connections())
  }
}
