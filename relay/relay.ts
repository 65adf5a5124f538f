import '../src/core/polyfills.ts'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { networkInterfaces } from 'node:os'
import { createLibp2p, type Libp2p } from 'libp2p'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { logger } from '@libp2p/logger'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import { loadOrCreateIdentity } from './identity.ts'
import { APP_HEADERS, sendJson, serveStatic } from './http.ts'
import { Inbound } from './inbound.ts'
import { RelayMetrics } from './metrics.ts'
import { relayWebSockets } from './transport.ts'
import {
  closeIdleConnections,
  dropReservationsOnDisconnect,
  tooManyReservationsFromIp,
} from './guards.ts'
import type { Libp2p as AnyLibp2p, PeerId } from '@libp2p/interface'
import type { RelayConfig } from './config.ts'
import { startRelayIce, type RelayIce } from './ice.ts'
import { keepMeshed } from './mesh.ts'
import {
  DISCOVERY_TOPIC_PREFIX,
  MAX_DISCOVERY_TOPICS,
  MAX_PUBSUB_MESSAGE_BYTES,
  RELAY_MESH_DEGREE,
  WS_INACTIVITY_TIMEOUT_MS,
  WS_MAX_BUFFERED_BYTES,
} from './constants.ts'

const log = logger('coffer:relay')

export type RelayServices = {
  identify: Identify
  ping: Ping
  relay: CircuitRelayService
  pubsub: GossipSub
}

export interface RelayHealth {
  ok: boolean
  peerId: string
  /** Seconds since start. */
  uptime: number
  connections: number
  reservations: number
  /** WebSockets open now. */
  sockets: number
  /** Distinct client addresses among them. */
  clientIps: number
  /** Relays of the pod (`--mesh`) connected now. */
  meshRelays: number
  /** Connections and requests refused since start, by reason. */
  refusals: Record<string, number>
}

export interface RunningRelay {
  peerId: string
  /** Multiaddrs browsers dial, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
  /** Base URL of the HTTP side (health, config.json, app). */
  url: string
  port: number
  /** UDP port of the built-in STUN server, when it is on. */
  stunPort: number | undefined
  libp2p: Libp2p<RelayServices>
  health(): RelayHealth
  stop(): Promise<void>
}

/** Starts a relay: one public port carrying HTTP (health, config, app) and libp2p WebSockets. */
export async function startRelay(config: RelayConfig): Promise<RunningRelay> {
  const privateKey = await loadOrCreateIdentity(config.identityFile)
  const started = Date.now()
  const metrics = new RelayMetrics()
  const refusals: Record<string, number> = {}
  const refused = (reason: string): void => {
    refusals[reason] = (refusals[reason] ?? 0) + 1
    metrics.refused(reason)
  }

  const server: Server = createServer(
    {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.headersTimeout * 1000,
      requestTimeout: config.requestTimeout * 1000,
      // How often Node enforces the two timeouts above (its default is every 30 s).
      connectionsCheckingInterval: Math.min(config.headersTimeout, config.requestTimeout) * 250,
    },
    (req, res) => {
      handleRequest(req, res).catch((err: unknown) => {
        log.error('request failed - %e', err)
        if (!res.headersSent) res.writeHead(500, APP_HEADERS)
        res.end()
      })
    },
  )
  // A request head Node cannot parse, or one over --max-header-bytes, is answered here and
  // counted, and its socket closed. A timeout answers 408: browsers open spare connections
  // and may send a request on one just as the relay gives up on it; they retry after a 408
  // on such a connection, but show a 400 to the member as a failed page load.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log('HTTP client error - %e', err)
    const overflow = err.code === 'HPE_HEADER_OVERFLOW'
    if (overflow) refused('header-size')
    const answer = overflow
      ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request'
    if (socket.writable) socket.end(`HTTP/1.1 ${answer}\r\nConnection: close\r\n\r\n`)
    socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: config.host, port: config.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  const inbound = new Inbound({
    host: config.host,
    port,
    maxPayload: config.maxWsPayload,
    trustedProxies: new Set(config.trustedProxies),
    maxPerIp: config.maxConnectionsPerIp,
    maxSockets: config.maxConnections,
    onRefused: refused,
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    inbound.handleUpgrade(req, socket, head)
  })

  const announce = config.announce.length > 0 ? config.announce : listenAddrs(config.host, port)

  // The gater runs inside libp2p, which exists only once createLibp2p returns.
  const late: { guarded?: { libp2p: AnyLibp2p; relay: CircuitRelayService } } = {}
  let libp2p: Libp2p<RelayServices>
  try {
    libp2p = await createLibp2p<RelayServices>({
      privateKey,
      metrics: metrics.libp2p(),
      addresses: { listen: [inbound.listenAddr.toString()], announce },
      transports: [
        relayWebSockets({
          inbound,
          maxBufferedBytes: WS_MAX_BUFFERED_BYTES,
          inactivityTimeout: WS_INACTIVITY_TIMEOUT_MS,
          maxPayload: config.maxWsPayload,
        }),
      ],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ maxInboundStreams: config.maxStreams })],
      connectionGater: {
        denyInboundRelayReservation: (peer) => {
          if (late.guarded === undefined) return true
          const deny = tooManyReservationsFromIp(late.guarded, peer, config.maxReservationsPerIp)
          if (deny) refused('reservations-per-ip')
          return deny
        },
      },
      connectionManager: {
        maxConnections: config.maxConnections,
        maxIncomingPendingConnections: config.maxPendingUpgrades,
        inboundConnectionThreshold: config.connectionRatePerIp,
        inboundUpgradeTimeout: config.handshakeTimeout * 1000,
      },
      services: {
        identify: identify(),
        ping: ping(),
        relay: circuitRelayServer({
          reservations: {
            maxReservations: config.maxReservations,
            defaultDataLimit: BigInt(config.relayDataLimit),
            defaultDurationLimit: config.relayDurationLimit * 1000,
          },
        }),
        pubsub: gossipsub(relayGossipsub()),
      },
    })
  } catch (err) {
    server.closeAllConnections()
    server.close()
    throw err
  }
  const guarded = { libp2p, relay: libp2p.services.relay }
  late.guarded = guarded
  const mesh = keepMeshed(libp2p, config.mesh ?? [])
  const stopRouting = routeDiscoveryTopics(
    libp2p.services.pubsub,
    (peer) => mesh.has(peer),
    () => metrics.discoveryMessage(),
  )
  metrics.watch({
    connections: () => libp2p.getConnections().length,
    reservations: () => libp2p.services.relay.reservations.size,
    sockets: () => inbound.sockets,
    clientIps: () => inbound.clientIps,
    discoveryTopics: () => libp2p.services.pubsub.getTopics().length,
    meshRelays: () => mesh.connected(),
  })
  const stopDropping = dropReservationsOnDisconnect(guarded)
  const stopIdle = closeIdleConnections(
    guarded,
    config.idleTimeout * 1000,
    () => refused('idle'),
    (peer) => mesh.has(peer),
  )

  const peerId = libp2p.peerId.toString()
  const multiaddrs = libp2p.getMultiaddrs().map((ma) => ma.toString())
  // ---- ICE: STUN built in, TURN credentials for coturn (relay/ice.ts)
  let ice: RelayIce
  try {
    ice = await startRelayIce(config, multiaddrs)
  } catch (err) {
    server.closeAllConnections()
    server.close()
    await libp2p.stop()
    throw err
  }
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`

  const health = (): RelayHealth => ({
    ok: libp2p.status === 'started',
    peerId,
    uptime: Math.round((Date.now() - started) / 1000),
    connections: libp2p.getConnections().length,
    reservations: libp2p.services.relay.reservations.size,
    sockets: inbound.sockets,
    clientIps: inbound.clientIps,
    meshRelays: mesh.connected(),
    refusals: { ...refusals },
  })

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bodyWithinLimit(req, config.maxBodyBytes)) {
      refused('body-size')
      res.writeHead(413, { ...APP_HEADERS, connection: 'close' })
      res.end()
      return
    }
    let path: string
    try {
      path = new URL(req.url ?? '/', 'http://relay.invalid').pathname
    } catch {
      res.writeHead(400, { ...APP_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
      res.end('Bad request\n')
      return
    }
    if (path === '/health') {
      const h = health()
      sendJson(res, h.ok ? 200 : 503, h)
      return
    }
    if (path === '/metrics' && config.metrics) {
      const { type, body } = await metrics.scrape()
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
      return
    }
    if (path === '/config.json') {
      // From configuration only: a Host header is the client's to choose. The pod's other
      // relays are listed too, so a co-op created here keeps working when this relay is down.
      sendJson(res, 200, {
        relays: [...multiaddrs, ...(config.mesh ?? [])],
        keepers: config.keepers ?? [],
        iceServers: ice.servers(),
      })
      return
    }
    if (config.appDir !== undefined && (await serveStatic(config.appDir, req, res))) return
    res.writeHead(404, { ...APP_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
    res.end('Not found\n')
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      mesh.stop()
      stopRouting()
      stopDropping()
      stopIdle()
      server.close()
      server.closeAllConnections()
      await libp2p.stop()
      await ice.stop()
    })()
    return stopping
  }

  log('relay %s listening on %s', peerId, url)
  return { peerId, multiaddrs, url, port, stunPort: ice.stunPort, libp2p, health, stop }
}

/**
 * The relay is the hub of a star: every member reaches every other through it. It meshes
 * with every subscriber (a mesh of the default 6–12 would leave the rest to lazy gossip),
 * and gives no colocation penalty, since a co-op's members often share one NAT; the
 * per-IP connection and reservation limits bound what one address can take instead.
 */
function relayGossipsub(): Parameters<typeof gossipsub>[0] {
  return {
    allowPublishToZeroTopicPeers: true,
    maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
    D: RELAY_MESH_DEGREE,
    Dlo: RELAY_MESH_DEGREE,
    Dhi: RELAY_MESH_DEGREE,
    scoreParams: { IPColocationFactorWeight: 0 },
    // Members publish sealed announcements unsigned, so no peer ID travels in clear.
    globalSignaturePolicy: 'StrictNoSign',
  }
}

/** A request body within the limit (the relay reads no bodies, so only a declared length passes). */
function bodyWithinLimit(req: IncomingMessage, max: number): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return false
  const length = req.headers['content-length']
  return length === undefined || Number(length) <= max
}

function listenAddrs(host: string, port: number): string[] {
  const hosts: string[] = []
  if (host === '0.0.0.0') {
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) if (i.family === 'IPv4') hosts.push(i.address)
    }
  } else if (host === 'localhost') {
    hosts.push('127.0.0.1')
  } else {
    hosts.push(host)
  }
  return hosts.map((h) => `/${h.includes(':') ? 'ip6' : 'ip4'}/${h}/tcp/${port}/ws`)
}

/**
 * Gossipsub forwards only topics the router itself subscribes to. Co-op discovery topics are
 * per co-op (derived from the co-op secret, opaque to the relay), so the relay follows its
 * peers' subscriptions for topics under the Coffer prefix and drops them once nobody is left.
 * Meshed relays do not count: a relay routes a topic only for its own members, and two relays
 * that share members of a topic exchange its messages; counting each other would keep both
 * subscribed forever.
 */
function routeDiscoveryTopics(
  pubsub: GossipSub,
  isRelay: (peer: PeerId) => boolean,
  onMessage: () => void,
): () => void {
  pubsub.addEventListener('message', (evt) => {
    if (evt.detail.topic.startsWith(DISCOVERY_TOPIC_PREFIX)) onMessage()
  })
  pubsub.addEventListener('subscription-change', (evt) => {
    if (isRelay(evt.detail.peerId)) return
    for (const { topic, subscribe } of evt.detail.subscriptions) {
      if (!subscribe || !topic.startsWith(DISCOVERY_TOPIC_PREFIX)) continue
      if (topic.length > DISCOVERY_TOPIC_PREFIX.length + 128) continue
      const topics = pubsub.getTopics()
      if (topics.includes(topic) || topics.length >= MAX_DISCOVERY_TOPICS) continue
      pubsub.subscribe(topic)
    }
  })
  const sweep = setInterval(() => {
    for (const topic of pubsub.getTopics()) {
      if (!pubsub.getSubscribers(topic).some((p) => !isRelay(p))) pubsub.unsubscribe(topic)
    }
  }, 60_000)
  sweep.unref()
  return () => clearInterval(sweep)
}
