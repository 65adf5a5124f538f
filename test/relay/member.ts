import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import {
  serviceCapabilities,
  transportSymbol,
  type ComponentLogger,
  type Connection,
  type DialTransportOptions,
  type Listener,
  type Transport,
} from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { WebSocket } from 'ws'
import { WsConnection } from '../../relay/ws-connection.ts'
import { MAX_PUBSUB_MESSAGE_BYTES } from '../../src/net/constants.ts'

// Node 20 has no global WebSocket; @libp2p/websockets dials with it, as a browser does.
class CompatWebSocket extends WebSocket {
  override close(code?: number, reason?: string): void {
    // Browsers accept 1006 from libp2p's reset; ws refuses it, so reset the socket instead.
    if (code === 1006) this.terminate()
    else super.close(code, reason)
  }
}
;(globalThis as { WebSocket?: unknown }).WebSocket ??= CompatWebSocket

export type MemberServices = { identify: Identify; ping: Ping; pubsub: GossipSub }
export type Member = Libp2p<MemberServices>

/**
 * Dials WebSockets from a chosen loopback source address (127.x.y.z), so each test member
 * looks like another host to the relay. Browsers' own WebSocket cannot do this; the wire
 * is the same.
 */
class BoundWebSockets implements Transport {
  readonly [transportSymbol] = true
  readonly [Symbol.toStringTag] = 'test/bound-websockets'
  readonly [serviceCapabilities] = ['@libp2p/transport']
  constructor(
    private readonly logger: ComponentLogger,
    private readonly localAddress: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    const parts = ma.getComponents()
    const host = parts.find((c) => c.name === 'ip4')?.value
    const port = parts.find((c) => c.name === 'tcp')?.value
    const socket = new WebSocket(`ws://${host}:${port}`, {
      localAddress: this.localAddress,
      headers: this.headers,
      perMessageDeflate: false,
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      options.signal?.addEventListener('abort', () => reject(new Error('dial aborted')))
    })
    socket.on('error', () => socket.terminate())
    const conn = new WsConnection({
      socket,
      direction: 'outbound',
      remoteAddr: ma,
      log: this.logger.forComponent('test:bound-websockets'),
      maxBufferedBytes: 1024 * 1024,
      inactivityTimeout: 600_000,
    })
    return options.upgrader.upgradeOutbound(conn, options)
  }

  dialFilter(multiaddrs: Multiaddr[]): Multiaddr[] {
    return multiaddrs.filter((m) => {
      const s = m.toString()
      return s.includes('/ws') && !s.includes('/p2p-circuit')
    })
  }

  listenFilter(): Multiaddr[] {
    return []
  }

  createListener(): Listener {
    throw new Error('a test member does not listen')
  }
}

export interface MemberOptions {
  /** Source address of the member's WebSocket; the stock transport from 127.0.0.1 if absent. */
  localAddress?: string
  /** Extra upgrade headers (needs `localAddress`), e.g. X-Forwarded-For as a proxy adds it. */
  headers?: Record<string, string>
  /** False for a peer that never asks for a reservation (it does not listen on a circuit). */
  reserve?: boolean
}

/**
 * A Node peer set up like a browser member (src/net/node.ts): WebSockets to the relay,
 * noise, yamux, circuit relay listening, identify, ping and gossipsub with the app's limits.
 */
export async function startMember(relay: string, options: MemberOptions = {}): Promise<Member> {
  const { localAddress } = options
  const node = await createLibp2p<MemberServices>({
    addresses: { listen: options.reserve === false ? [] : ['/p2p-circuit'] },
    transports: [
      localAddress === undefined
        ? webSockets()
        : (c: { logger: ComponentLogger }) =>
            new BoundWebSockets(c.logger, localAddress, options.headers),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
        // As the app: discovery messages are sealed and unsigned, and the relay accepts only those.
        globalSignaturePolicy: 'StrictNoSign',
      }),
    },
  })
  // As the app's keep-connected loop does: a relay that turned the dial away (its per-IP
  // rate limit, when many members behind one address start together) is dialled again.
  for (let attempt = 1; ; attempt++) {
    try {
      await node.dial(multiaddr(relay))
      return node
    } catch (err) {
      if (attempt === 5) {
        await node.stop()
        throw err
      }
      await new Promise((r) => setTimeout(r, 300 * attempt))
    }
  }
}

/** Resolves once the member holds a reservation on the relay (it has a circuit address). */
export async function reserved(node: Member, timeoutMs = 30_000): Promise<void> {
  await until(
    () => node.getMultiaddrs().some((m) => m.toString().includes('/p2p-circuit')),
    timeoutMs,
  )
}

/** Polls `check` until it holds; throws after `timeoutMs`. */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
