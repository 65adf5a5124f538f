import { isIP } from 'node:net'
import type { IncomingMessage } from 'node:http'

/** Where a request came from, after honouring a trusted reverse proxy. */
export interface ClientAddress {
  ip: string
  port: number
  /** True when `ip` was taken from X-Forwarded-For. */
  forwarded: boolean
}

/** Node reports IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
}

/**
 * The client's address: the TCP peer, unless the TCP peer is one of `trustedProxies`, in
 * which case the right-most X-Forwarded-For entry that is not itself a trusted proxy (the
 * left-most entries are whatever the client chose to send, so they are never believed).
 */
export function clientAddress(
  req: IncomingMessage,
  trustedProxies: ReadonlySet<string>,
): ClientAddress {
  const peer = normaliseIp(req.socket.remoteAddress ?? '0.0.0.0')
  const port = req.socket.remotePort ?? 0
  if (!trustedProxies.has(peer)) return { ip: peer, port, forwarded: false }
  const header = req.headers['x-forwarded-for']
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i] ?? '')
    if (isIP(hop) === 0) break
    if (!trustedProxies.has(hop)) return { ip: hop, port: 0, forwarded: true }
  }
  return { ip: peer, port, forwarded: false }
}
