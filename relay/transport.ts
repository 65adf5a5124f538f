import { webSockets, type WebSocketsComponents } from '@libp2p/websockets'
import { ipPortToMultiaddr } from '@libp2p/utils'
import {
  serviceCapabilities,
  transportSymbol,
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type ListenerEvents,
  type Logger,
  type Transport,
  type Upgrader,
  TypedEventEmitter,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { WebSocket as WsSocket, type WebSocket } from 'ws'
import { multiaddrToUri } from '@multiformats/multiaddr-to-uri'
import { WsConnection } from './ws-connection.ts'
import type { ClientAddress } from './client-address.ts'

/** Where the relay's HTTP server hands the WebSockets it accepted. */
export interface InboundSockets {
  /** The address the relay's HTTP server listens on, e.g. /ip4/0.0.0.0/tcp/9090/ws. */
  readonly listenAddr: Multiaddr
  /** Multiaddrs of that address to report (wildcards expanded to interfaces). */
  addrs(): Multiaddr[]
  /** The listener that takes sockets from now on; undefined to stop taking them. */
  attach(accept: ((socket: WebSocket, client: ClientAddress) => void) | undefined): void
}

export interface RelayTransportInit {
  inbound: InboundSockets
  /** Bytes queued on a socket before libp2p waits for it to drain. */
  maxBufferedBytes: number
  /** A connection with no traffic at all for this long is closed (ms). */
  inactivityTimeout: number
  /** Largest WebSocket message taken on a connection this relay dialled. */
  maxPayload: number
}

interface Components extends WebSocketsComponents {
  logger: ComponentLogger
}

/**
 * A libp2p WebSocket transport whose listening side is the relay's own HTTP server: each
 * connection carries the member's real address (or the one a trusted proxy forwarded),
 * so libp2p's per-host limits and gossipsub's scoring see members, not the relay itself.
 * Dialling out (to the pod's other relays) wraps a `ws` client socket the same way.
 */
class RelayWebSockets implements Transport {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = '@coffer/relay-websockets'
  readonly [serviceCapabilities] = ['@libp2p/transport']
  private readonly dialer: Transport

  constructor(
    private readonly components: Components,
    private readonly init: RelayTransportInit,
  ) {
    this.dialer = webSockets()(components)
  }

  /**
   * Dials another relay of the pod (`--mesh`) with a `ws` socket wrapped like an inbound
   * one: Node 20 has no global WebSocket for the stock transport, and the same wrapper keeps
   * reads paused under back-pressure in both directions.
   */
  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    options.signal?.throwIfAborted()
    const socket = new WsSocket(multiaddrToUri(ma), {
      perMessageDeflate: false,
      maxPayload: this.init.maxPayload,
    })
    const abort = (): void => socket.terminate()
    options.signal?.addEventListener('abort', abort, { once: true })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve())
        socket.once('error', reject)
        socket.once('close', () => reject(new Error('the socket closed before it opened')))
      })
    } finally {
      options.signal?.removeEventListener('abort', abort)
    }
    // Errors after the upgrade end the connection through its close event; never unhandled.
    socket.on('error', (err) => {
      this.components.logger.forComponent('coffer:relay:dial')('socket error - %e', err)
      socket.terminate()
    })
    const conn = new WsConnection({
      socket,
      direction: 'outbound',
      remoteAddr: ma,
      log: this.components.logger.forComponent('coffer:relay:connection'),
      maxBufferedBytes: this.init.maxBufferedBytes,
      inactivityTimeout: this.init.inactivityTimeout,
    })
    return options.upgrader.upgradeOutbound(conn, options)
  }

  dialFilter(multiaddrs: Multiaddr[]): Multiaddr[] {
    return this.dialer.dialFilter(multiaddrs)
  }

  listenFilter(multiaddrs: Multiaddr[]): Multiaddr[] {
    const own = this.init.inbound.listenAddr
    return multiaddrs.filter((ma) => ma.equals(own))
  }

  createListener(options: CreateListenerOptions): Listener {
    return new InboundListener(
      this.components.logger.forComponent('coffer:relay:listener'),
      this.components.logger,
      options.upgrader,
      this.init,
    )
  }
}

class InboundListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly connections = new Set<WsConnection>()
  private readonly shutdown = new AbortController()

  constructor(
    private readonly log: Logger,
    private readonly logger: ComponentLogger,
    private readonly upgrader: Upgrader,
    private readonly init: RelayTransportInit,
  ) {
    super()
  }

  listen(): Promise<void> {
    this.init.inbound.attach((socket, client) => this.accept(socket, client))
    this.safeDispatchEvent('listening')
    return Promise.resolve()
  }

  private accept(socket: WebSocket, client: ClientAddress): void {
    const conn = new WsConnection({
      socket,
      remoteAddr: ipPortToMultiaddr(client.ip, client.port).encapsulate('/ws'),
      log: this.logger.forComponent('coffer:relay:connection'),
      maxBufferedBytes: this.init.maxBufferedBytes,
      inactivityTimeout: this.init.inactivityTimeout,
    })
    this.connections.add(conn)
    conn.addEventListener('close', () => this.connections.delete(conn), { once: true })
    this.upgrader.upgradeInbound(conn, { signal: this.shutdown.signal }).catch((err: unknown) => {
      // A failed handshake is a stranger's problem, not the relay's: drop the socket.
      this.log('inbound upgrade from %s failed - %e', conn.remoteAddr, err)
      conn.abort(err instanceof Error ? err : new Error(String(err)))
    })
  }

  getAddrs(): Multiaddr[] {
    return this.init.inbound.addrs()
  }

  updateAnnounceAddrs(): void {}

  close(): Promise<void> {
    this.init.inbound.attach(undefined)
    this.shutdown.abort()
    for (const conn of this.connections) conn.abort(new Error('the relay is stopping'))
    this.safeDispatchEvent('close')
    return Promise.resolve()
  }
}

/** The relay's transport: inbound through `init.inbound`, outbound by `ws` client sockets. */
export function relayWebSockets(init: RelayTransportInit): (components: Components) => Transport {
  return (components) => new RelayWebSockets(components, init)
}
