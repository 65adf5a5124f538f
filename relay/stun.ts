import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv4, isIPv6 } from 'node:net'
import { logger } from '@libp2p/logger'
import {
  DEFAULT_STUN_GLOBAL_RATE,
  DEFAULT_STUN_IP_BURST,
  DEFAULT_STUN_IP_RATE,
  DEFAULT_STUN_MAX_TRACKED_IPS,
  STUN_MAX_MESSAGE_BYTES,
} from './constants.ts'

const log = logger('coffer:relay:stun')

/** RFC 8489 §5: the fixed value that tells a STUN message from other traffic on the port. */
const MAGIC_COOKIE = 0x2112a442
const HEADER_BYTES = 20
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const BINDING_ERROR = 0x0111
const ATTR_XOR_MAPPED_ADDRESS = 0x0020
const ATTR_ERROR_CODE = 0x0009
const ATTR_UNKNOWN_ATTRIBUTES = 0x000a
/** Comprehension-required attributes a Binding request may carry and we can ignore. */
const KNOWN_REQUIRED = new Set([0x0006, 0x0008, 0x0024, 0x0025]) // USERNAME, INTEGRITY, PRIORITY, USE-CANDIDATE

export interface StunServerInit {
  /** Interface to bind; an IPv6 address binds udp6, anything else udp4. */
  host: string
  /** UDP port; 0 picks a free one. */
  port: number
  /** Requests per second one source IP may send (steady rate). */
  perIpRate?: number
  /** Requests one source IP may send at once before the rate applies. */
  perIpBurst?: number
  /** Requests per second answered in total, whoever sends them. */
  globalRate?: number
  /** Source IPs whose rate is tracked; the least recently seen are forgotten beyond this. */
  maxTrackedIps?: number
}

export interface StunStats {
  /** Binding requests answered (success or error). */
  answered: number
  /** Datagrams dropped: not STUN, malformed, oversized or over a rate limit. */
  dropped: number
}

export interface StunServer {
  readonly port: number
  readonly stats: StunStats
  stop(): Promise<void>
}

/**
 * A STUN server that answers only Binding requests (RFC 8489 §3, §5): it tells each member
 * the public address and port its packets arrive from, which is all WebRTC needs to punch
 * through a port-preserving NAT. A reply is never larger than the request it answers plus a
 * few bytes, and requests are rate-limited per source IP and in total, so the port cannot
 * be used to amplify or reflect traffic at a third party.
 */
export async function startStunServer(init: StunServerInit): Promise<StunServer> {
  const socket: Socket = createSocket({ type: isIPv6(init.host) ? 'udp6' : 'udp4' })
  const limiter = new RateLimiter(
    init.perIpRate ?? DEFAULT_STUN_IP_RATE,
    init.perIpBurst ?? DEFAULT_STUN_IP_BURST,
    init.globalRate ?? DEFAULT_STUN_GLOBAL_RATE,
    init.maxTrackedIps ?? DEFAULT_STUN_MAX_TRACKED_IPS,
  )
  const stats: StunStats = { answered: 0, dropped: 0 }

  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const reply = limiter.allow(rinfo.address, Date.now()) ? answerStun(msg, rinfo) : undefined
    if (reply === undefined) {
      stats.dropped++
      return
    }
    stats.answered++
    socket.send(reply, rinfo.port, rinfo.address, (err) => {
      // A send can fail for one unreachable source; the server keeps answering the others.
      if (err) log('reply to %s:%d failed - %e', rinfo.address, rinfo.port, err)
    })
  })
  // UDP sockets report ICMP errors of earlier sends here; they concern one peer only.
  socket.on('error', (err) => log('socket error - %e', err))

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ address: init.host, port: init.port }, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  const port = socket.address().port
  log('STUN listening on %s:%d', init.host, port)
  return {
    port,
    stats,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}

/**
 * The reply to one datagram, or undefined when it gets none: not a STUN request of the
 * Binding method, malformed, or larger than any Binding request needs to be.
 */
export function answerStun(
  msg: Uint8Array,
  from: { address: string; port: number },
): Uint8Array | undefined {
  if (msg.length < HEADER_BYTES || msg.length > STUN_MAX_MESSAGE_BYTES) return undefined
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
  const type = view.getUint16(0)
  const length = view.getUint16(2)
  if (type !== BINDING_REQUEST) return undefined
  if (view.getUint32(4) !== MAGIC_COOKIE) return undefined
  if (length % 4 !== 0 || HEADER_BYTES + length !== msg.length) return undefined
  const txId = msg.subarray(8, HEADER_BYTES)

  const unknown: number[] = []
  for (let at = HEADER_BYTES; at < msg.length;) {
    if (at + 4 > msg.length) return undefined
    const attrType = view.getUint16(at)
    const attrLen = view.getUint16(at + 2)
    const next = at + 4 + Math.ceil(attrLen / 4) * 4
    if (next > msg.length) return undefined
    if (attrType < 0x8000 && !KNOWN_REQUIRED.has(attrType)) unknown.push(attrType)
    at = next
  }
  if (unknown.length > 0) return unknownAttributes(txId, unknown)

  const mapped = xorMappedAddress(from.address, from.port, txId)
  if (mapped === undefined) return undefined
  return message(BINDING_SUCCESS, txId, [mapped])
}

/** XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the source address, XORed so NATs do not rewrite it. */
function xorMappedAddress(address: string, port: number, txId: Uint8Array): Uint8Array | undefined {
  const mapped =
    address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address
  const key = new Uint8Array(16)
  new DataView(key.buffer).setUint32(0, MAGIC_COOKIE)
  key.set(txId, 4)
  let ip: Uint8Array
  let family: number
  if (isIPv4(mapped)) {
    family = 0x01
    ip = Uint8Array.from(mapped.split('.').map(Number))
  } else if (isIPv6(mapped)) {
    family = 0x02
    ip = ipv6Bytes(mapped)
  } else {
    return undefined
  }
  const value = new Uint8Array(4 + ip.length)
  const v = new DataView(value.buffer)
  v.setUint8(1, family)
  v.setUint16(2, port ^ (MAGIC_COOKIE >>> 16))
  for (let i = 0; i < ip.length; i++) value[4 + i] = (ip[i] ?? 0) ^ (key[i] ?? 0)
  return attribute(ATTR_XOR_MAPPED_ADDRESS, value)
}

/** A 420 error naming the comprehension-required attributes we do not understand (§14.8). */
function unknownAttributes(txId: Uint8Array, types: number[]): Uint8Array {
  const reason = new TextEncoder().encode('Unknown Attribute')
  const code = new Uint8Array(4 + reason.length)
  code[2] = 4
  code[3] = 20
  code.set(reason, 4)
  const list = new Uint8Array(types.length * 2)
  types.forEach((t, i) => new DataView(list.buffer).setUint16(i * 2, t))
  return message(BINDING_ERROR, txId, [
    attribute(ATTR_ERROR_CODE, code),
    attribute(ATTR_UNKNOWN_ATTRIBUTES, list),
  ])
}

function attribute(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + Math.ceil(value.length / 4) * 4)
  const v = new DataView(out.buffer)
  v.setUint16(0, type)
  v.setUint16(2, value.length)
  out.set(value, 4)
  return out
}

function message(type: number, txId: Uint8Array, attributes: Uint8Array[]): Uint8Array {
  const length = attributes.reduce((n, a) => n + a.length, 0)
  const out = new Uint8Array(HEADER_BYTES + length)
  const v = new DataView(out.buffer)
  v.setUint16(0, type)
  v.setUint16(2, length)
  v.setUint32(4, MAGIC_COOKIE)
  out.set(txId, 8)
  let at = HEADER_BYTES
  for (const a of attributes) {
    out.set(a, at)
    at += a.length
  }
  return out
}

function ipv6Bytes(address: string): Uint8Array {
  const [head = '', tail] = address.split('::')
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  const out = new Uint8Array(16)
  all.forEach((g, i) => new DataView(out.buffer).setUint16(i * 2, g))
  return out
}

/** Token buckets per source IP plus one for the whole server. */
class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>()
  #global: { tokens: number; at: number }

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly globalRate: number,
    private readonly maxTracked: number,
  ) {
    this.#global = { tokens: globalRate, at: 0 }
  }

  allow(ip: string, now: number): boolean {
    let b = this.#buckets.get(ip)
    if (b === undefined) {
      if (this.#buckets.size >= this.maxTracked) {
        const oldest = this.#buckets.keys().next().value
        if (oldest !== undefined) this.#buckets.delete(oldest)
      }
      b = { tokens: this.burst, at: now }
    } else {
      // Re-inserted below, so the map's order is least recently seen first.
      this.#buckets.delete(ip)
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate)
      b.at = now
    }
    this.#buckets.set(ip, b)
    const g = this.#global
    g.tokens = Math.min(this.globalRate, g.tokens + ((now - g.at) / 1000) * this.globalRate)
    g.at = now
    if (b.tokens < 1 || g.tokens < 1) return false
    b.tokens--
    g.tokens--
    return true
  }
}
