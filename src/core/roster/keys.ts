import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { equals } from '../bytes.ts'
import { COOP_ID_BYTES, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from './constants.ts'
import { MalformedRosterDataError } from './errors.ts'

/** Something that signs with an Ed25519 key: a co-op key, a member key or a device key. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Uint8Array
}

/**
 * A signer over a 32-byte Ed25519 seed. A libp2p Ed25519 private key's `raw` is seed ‖ public
 * key (64 bytes): pass its first 32 bytes to sign as that device.
 */
export function ed25519Signer(secretKey: Uint8Array): Signer {
  if (secretKey.length !== SECRET_KEY_BYTES) {
    throw new MalformedRosterDataError(`an Ed25519 seed is ${SECRET_KEY_BYTES} bytes`)
  }
  // Uint8Array.from copies even a Node Buffer, whose slice() would share memory with the caller.
  const seed = Uint8Array.from(secretKey)
  return {
    publicKey: ed25519.getPublicKey(seed),
    sign: (message) => ed25519.sign(message, seed),
  }
}

/** A fresh key pair: the seed (keep it secret) and a signer over it. */
export function generateSigner(): { secretKey: Uint8Array; signer: Signer } {
  const secretKey = ed25519.utils.randomSecretKey()
  return { secretKey, signer: ed25519Signer(secretKey) }
}

/**
 * Strict RFC 8032 verification (no ZIP-215 leniency): a non-canonical signature or key is
 * refused, so nobody can re-encode a valid signature into a second valid one.
 */
export function verifySignature(sig: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  if (sig.length !== SIGNATURE_BYTES || key.length !== PUBLIC_KEY_BYTES) return false
  try {
    return ed25519.verify(sig, message, key, { zip215: false })
  } catch {
    // noble throws on keys that are not points; to the caller that is just "does not verify".
    return false
  }
}

/** The co-op id: the sha2-256 multihash of the co-op public key (0x12 0x20 ‖ 32 bytes). */
export function coopIdFromKey(publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(COOP_ID_BYTES)
  out[0] = 0x12
  out[1] = 0x20
  out.set(sha256(publicKey), 2)
  return out
}

/** Printable co-op id: multibase base32 lower case (`b…`, 56 characters), safe in URLs and names. */
export function formatCoopId(coopId: Uint8Array): string {
  return base32.encode(coopId)
}

export function parseCoopId(text: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base32.decode(text)
  } catch {
    throw new MalformedRosterDataError('co-op id is not multibase base32')
  }
  if (bytes.length !== COOP_ID_BYTES || bytes[0] !== 0x12 || bytes[1] !== 0x20) {
    throw new MalformedRosterDataError('co-op id is not a sha2-256 multihash')
  }
  // The decoder forgives upper case; one id must have one spelling.
  if (formatCoopId(bytes) !== text) throw new MalformedRosterDataError('co-op id is not canonical')
  return bytes
}

// A libp2p Ed25519 peer id is the identity multihash (0x00, length 36) of the protobuf
// PublicKey { Type: Ed25519 (0x08 0x01), Data: 32 bytes (0x12 0x20 …) }, in base58btc.
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)

/** The libp2p peer id string (`12D3KooW…`) of a device's Ed25519 public key. */
export function peerIdFromDeviceKey(key: Uint8Array): string {
  if (key.length !== PUBLIC_KEY_BYTES) throw new MalformedRosterDataError('device key is 32 bytes')
  const bytes = new Uint8Array(PEER_ID_PREFIX.length + PUBLIC_KEY_BYTES)
  bytes.set(PEER_ID_PREFIX, 0)
  bytes.set(key, PEER_ID_PREFIX.length)
  return base58btc.baseEncode(bytes)
}

/** The device key inside an Ed25519 peer id string; any other key type is refused. */
export function deviceKeyFromPeerId(peerId: string): Uint8Array {
  if (typeof peerId !== 'string' || peerId.length > 64) {
    throw new MalformedRosterDataError('peer id is not a short string')
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.baseDecode(peerId)
  } catch {
    throw new MalformedRosterDataError('peer id is not base58btc')
  }
  const prefix = bytes.subarray(0, PEER_ID_PREFIX.length)
  if (
    bytes.length !== PEER_ID_PREFIX.length + PUBLIC_KEY_BYTES ||
    !equals(prefix, PEER_ID_PREFIX)
  ) {
    throw new MalformedRosterDataError('peer id is not an Ed25519 identity peer id')
  }
  const key = bytes.slice(PEER_ID_PREFIX.length)
  if (peerIdFromDeviceKey(key) !== peerId)
    throw new MalformedRosterDataError('peer id not canonical')
  return key
}
