import '../src/core/polyfills.ts'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { networkInterfaces } from 'node:os'
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
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
import { APP_HEADERS, proxyUpgrade, sendJson, serveStatic } from './http.ts'
import type { RelayConfig } from './config.ts'
import {
  DISCOVERY_TOPIC_PREFIX,
  MAX_DISCOVERY_TOPICS,
  MAX_PUBSUB_MESSAGE_BYTES,
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
}

export interface RunningRelay {
  peerId: string
  /** Multiaddrs browsers dial, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
  /** Base URL of the HTTP side (health, config.json, app). */
  url: string
  port: number
  libp2p: Libp2p<RelayServices>
  health(): RelayHealth
  stop(): Promise<void>
}

/** Starts a relay: one public port carrying HTTP (health, config, app) and libp2p WebSockets. */
export async function startRelay(config: RelayConfig): Promise<RunningRelay> {
  const privateKey = await loadOrCreateIdentity(config.identityFile)
  const started = Date.now()
  const sockets = new Set<Duplex>()

  let node: Libp2p<RelayServices> | undefined
  let wsPort = 0
  const server: Server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      log.error('request failed - %e', err)
      if (!res.headersSent) res.writeHead(500, APP_HEADERS)
      res.end()
    })
  })
  server.on('upgrade', (req, socket, head) => {
    if (wsPort === 0) {
      socket.destroy()
      return
    }
    proxyUpgrade(req, socket, head, wsPort, sockets)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: config.host, port: config.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  const announce = config.announce.length > 0 ? config.announce : listenAddrs(config.host, port)

  try {
    node = await createLibp2p<RelayServices>({
      privateKey,
      addresses: {
        // Loopback only: the public port above forwards WebSocket upgrades here.
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        announce,
      },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        maxConnections: config.maxConnections,
        // Every inbound connection arrives from 127.0.0.1 through the forwarder, so a
        // per-host rate limit would throttle all users together.
        inboundConnectionThreshold: config.maxConnections,
        maxIncomingPendingConnections: Math.max(10, Math.ceil(config.maxConnections / 10)),
      },
      services: {
        identify: identify(),
        ping: ping(),
        relay: circuitRelayServer({
          reservations: { maxReservations: config.maxReservations },
        }),
        pubsub: gossipsub({
          allowPublishToZeroTopicPeers: true,
          maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
        }),
      },
    })
  } catch (err) {
    server.closeAllConnections()
    server.close()
    throw err
  }
  const libp2p = node
  wsPort = loopbackPort(libp2p)
  const stopRouting = routeDiscoveryTopics(libp2p.services.pubsub)

  const peerId = libp2p.peerId.toString()
  const multiaddrs = libp2p.getMultiaddrs().map((ma) => ma.toString())
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`

  const health = (): RelayHealth => ({
    ok: libp2p.status === 'started',
    peerId,
    uptime: Math.round((Date.now() - started) / 1000),
    connections: libp2p.getConnections().length,
    reservations: libp2p.services.relay.reservations.size,
  })

  async function handleRequest(
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/health') {
      const h = health()
      sendJson(res, h.ok ? 200 : 503, h)
      return
    }
    if (path === '/config.json') {
      sendJson(res, 200, { relays: relaysFor(req.headers.host) })
      return
    }
    if (config.appDir !== undefined && (await serveStatic(config.appDir, req, res))) return
    res.writeHead(404, { ...APP_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
    res.end('Not found\n')
  }

  // Without --announce, point browsers at the host they loaded the app from, so a relay
  // reached by LAN address or by name works without configuration.
  function relaysFor(hostHeader: string | undefined): string[] {
    if (config.announce.length > 0 || hostHeader === undefined) return multiaddrs
    let hostname: string
    try {
      hostname = new URL(`http://${hostHeader}`).hostname
    } catch {
      return multiaddrs
    }
    const proto = /^\d+\.\d+\.\d+\.\d+$/.test(hostname)
      ? 'ip4'
      : hostname.startsWith('[')
        ? 'ip6'
        : 'dns4'
    const h = proto === 'ip6' ? hostname.slice(1, -1) : hostname
    return [`/${proto}/${h}/tcp/${port}/ws/p2p/${peerId}`]
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopRouting()
      server.close()
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await libp2p.stop()
    })()
    return stopping
  }

  log('relay %s listening on %s', peerId, url)
  return { peerId, multiaddrs, url, port, libp2p, health, stop }
}

function loopbackPort(node: Libp2p): number {
  // The transport manager is not public API; the loopback listener's port is found by
  // matching what was asked for in `addresses.listen`.
  const tm = (node as unknown as { components?: { transportManager?: TM } }).components
    ?.transportManager
  for (const l of tm?.getListeners() ?? []) {
    for (const ma of l.getAddrs()) {
      const m = /\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\/ws/.exec(ma.toString())
      if (m?.[1] !== undefined) return Number(m[1])
    }
  }
  throw new Error('could not find the WebSocket listener port')
}

interface TM {
  getListeners(): Array<{ getAddrs(): Array<{ toString(): string }> }>
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
 * per co-op (a hash of the co-op ID), so the relay follows its peers' subscriptions for
 * topics under the Coffer prefix and drops them once nobody is left.
 */
function routeDiscoveryTopics(pubsub: GossipSub): () => void {
  pubsub.addEventListener('subscription-change', (evt) => {
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
      if (pubsub.getSubscribers(topic).length === 0) pubsub.unsubscribe(topic)
    }
  }, 60_000)
  sweep.unref()
  return () => clearInterval(sweep)
}
