import { getThinWaistAddresses } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { WebSocketServer, type WebSocket } from 'ws'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { clientAddress, type ClientAddress } from './client-address.ts'
import type { InboundSockets } from './transport.ts'

const log = logger('coffer:relay:inbound')

export interface InboundInit {
  host: string
  port: number
  /** Largest WebSocket message accepted; a bigger frame closes the socket (1009). */
  maxPayload: number
  /** TCP peers whose X-Forwarded-For is believed. */
  trustedProxies: ReadonlySet<string>
  /** Open WebSockets per client IP. */
  maxPerIp: number
  /** Open WebSockets in all. */
  maxSockets: number
  /** Counts a refusal, by reason, for /health and metrics. */
  onRefused?: (reason: string) => void
}

/**
 * Accepts WebSocket upgrades on the relay's HTTP server and hands them to the libp2p
 * listener. Every socket gets an `error` handler here, where it is created: `ws` reports a
 * protocol violation (RSV bits, bad opcode, oversized frame, …) as an `error` event, and an
 * `error` event with no listener ends the process.
 */
export class Inbound implements InboundSockets {
  readonly listenAddr: Multiaddr
  private readonly wss: WebSocketServer
  private readonly perIp = new Map<string, number>()
  private open = 0
  private accept: ((socket: WebSocket, client: ClientAddress) => void) | undefined

  constructor(private readonly init: InboundInit) {
    const family = init.host.includes(':') ? 'ip6' : 'ip4'
    const host = init.host === 'localhost' ? '127.0.0.1' : init.host
    this.listenAddr = multiaddr(`/${family}/${host}/tcp/${init.port}/ws`)
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: init.maxPayload,
      // Compression would let a small frame inflate into a large message.
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.wss.on('error', (err) => log.error('WebSocket server error - %e', err))
    this.wss.on('wsClientError', (err, socket) => {
      log('bad WebSocket handshake - %e', err)
      socket.destroy()
    })
  }

  addrs(): Multiaddr[] {
    const tcp = this.listenAddr.decapsulate('/ws')
    return getThinWaistAddresses(tcp, this.init.port).map((ma) => ma.encapsulate('/ws'))
  }

  attach(accept: ((socket: WebSocket, client: ClientAddress) => void) | undefined): void {
    this.accept = accept
  }

  /** Sockets open now, for /health. */
  get sockets(): number {
    return this.open
  }

  /** Distinct client addresses with a socket open now. */
  get clientIps(): number {
    return this.perIp.size
  }

  /** The HTTP server's `upgrade` handler. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => {
      log('socket error - %e', err)
      socket.destroy()
    })
    const accept = this.accept
    if (accept === undefined) {
      this.refuse(socket, 503, 'not-listening')
      return
    }
    const client = clientAddress(req, this.init.trustedProxies)
    const perIp = this.perIp.get(client.ip) ?? 0
    if (perIp >= this.init.maxPerIp) {
      this.refuse(socket, 429, 'connections-per-ip')
      return
    }
    if (this.open >= this.init.maxSockets) {
      this.refuse(socket, 503, 'connections')
      return
    }
    this.open++
    this.perIp.set(client.ip, perIp + 1)
    socket.once('close', () => {
      this.open--
      const n = (this.perIp.get(client.ip) ?? 1) - 1
      if (n <= 0) this.perIp.delete(client.ip)
      else this.perIp.set(client.ip, n)
    })
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => {
        // ws has already sent a close frame with the matching code; make sure it goes.
        log('WebSocket from %s closed on a protocol error - %e', client.ip, err)
        ws.terminate()
      })
      accept(ws, client)
    })
  }

  private refuse(socket: Duplex, status: 429 | 503, reason: string): void {
    log('refused a WebSocket: %s', reason)
    this.init.onRefused?.(reason)
    const text = status === 429 ? 'Too Many Requests' : 'Service Unavailable'
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
      socket.destroy(),
    )
  }
}
