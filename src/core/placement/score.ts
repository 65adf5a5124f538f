import { sha256 } from '@noble/hashes/sha2.js'
import { RENDEZVOUS_DOMAIN } from './constants.ts'

const encoder = new TextEncoder()
const DOMAIN = encoder.encode(RENDEZVOUS_DOMAIN)
const TWO_POW_53 = 2 ** 53

/**
 * A uniform number in the open interval (0, 1) drawn from SHA-256(domain ‖ 0 ‖ peer ‖ 0 ‖ key).
 * Sync hashing matters: placement runs inside tight loops over peers × shards, and WebCrypto's
 * digest is async-only.
 */
export function rendezvousHash(peerId: string, key: Uint8Array): number {
  const peer = encoder.encode(peerId)
  const input = new Uint8Array(DOMAIN.length + 1 + peer.length + 1 + key.length)
  input.set(DOMAIN, 0)
  input.set(peer, DOMAIN.length + 1)
  input.set(key, DOMAIN.length + 1 + peer.length + 1)
  const d = sha256(input)
  // 53 bits fill a double's mantissa exactly; the +0.5 keeps the value off both 0 and 1.
  const hi = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0
  const lo = ((d[4]! << 13) | (d[5]! << 5) | (d[6]! >>> 3)) >>> 0
  const x = hi * 2 ** 21 + lo
  return (x + 0.5) / TWO_POW_53
}

/**
 * Weighted rendezvous score: −w / ln(h). With h uniform, the peer with the highest score wins
 * with probability proportional to its weight, and a new peer takes only the keys it wins.
 */
export function rendezvousScore(peerId: string, weight: number, key: Uint8Array): number {
  if (weight <= 0) return 0
  return -weight / Math.log(rendezvousHash(peerId, key))
}
