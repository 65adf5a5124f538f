import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, equals, utf8 } from '../bytes.ts'
import {
  HANDSHAKE_NONCE_BYTES,
  HANDSHAKE_VERSION,
  MAX_PEER_ID_BYTES,
  PROOF_BYTES,
  PROOF_CONTEXT,
  ROLE_DIALER,
  ROLE_LISTENER,
} from './constants.ts'
import { HandshakeFormatError } from './errors.ts'

export type HandshakeRole = 'dialer' | 'listener'

/** The two peer IDs (multihash bytes, as noise authenticated them) and the two fresh nonces. */
export interface ProofInput {
  dialer: Uint8Array
  listener: Uint8Array
  dialerNonce: Uint8Array
  listenerNonce: Uint8Array
}

/**
 * HMAC-SHA256(memberKey, "coffer-member" ‖ role ‖ len ‖ dialer ‖ len ‖ listener ‖ nonceA ‖
 * nonceB). Binding both peer IDs stops a proof being relayed to a third peer; the nonces stop
 * replays; the role byte stops a side echoing the other's proof back.
 */
export function memberProof(
  memberKey: Uint8Array,
  role: HandshakeRole,
  input: ProofInput,
): Uint8Array {
  for (const id of [input.dialer, input.listener]) {
    if (id.length === 0 || id.length > MAX_PEER_ID_BYTES)
      throw new HandshakeFormatError('bad peer ID')
  }
  for (const n of [input.dialerNonce, input.listenerNonce]) {
    if (n.length !== HANDSHAKE_NONCE_BYTES) throw new HandshakeFormatError('bad nonce length')
  }
  const message = concat([
    utf8(PROOF_CONTEXT),
    Uint8Array.of(role === 'dialer' ? ROLE_DIALER : ROLE_LISTENER, input.dialer.length),
    input.dialer,
    Uint8Array.of(input.listener.length),
    input.listener,
    input.dialerNonce,
    input.listenerNonce,
  ])
  return hmac(sha256, memberKey, message)
}

/** Constant-time check of a proof received from the other side. */
export function verifyMemberProof(
  memberKey: Uint8Array,
  role: HandshakeRole,
  input: ProofInput,
  proof: Uint8Array,
): boolean {
  return proof.length === PROOF_BYTES && equals(memberProof(memberKey, role, input), proof)
}

// ---- the four messages (each sent with the exchange protocols' varint length prefix)

/** Dialer → listener: `version ‖ nonceA`. */
export function encodeHello(nonce: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(HANDSHAKE_VERSION), nonce])
}

export function decodeHello(b: Uint8Array): { nonce: Uint8Array } {
  expect(b, 1 + HANDSHAKE_NONCE_BYTES, 'hello')
  return { nonce: b.slice(1) }
}

/** Listener → dialer: `version ‖ nonceB ‖ listener proof`. */
export function encodeChallenge(nonce: Uint8Array, proof: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(HANDSHAKE_VERSION), nonce, proof])
}

export function decodeChallenge(b: Uint8Array): { nonce: Uint8Array; proof: Uint8Array } {
  expect(b, 1 + HANDSHAKE_NONCE_BYTES + PROOF_BYTES, 'challenge')
  return { nonce: b.slice(1, 1 + HANDSHAKE_NONCE_BYTES), proof: b.slice(1 + HANDSHAKE_NONCE_BYTES) }
}

/** Dialer → listener: `version ‖ dialer proof`. */
export function encodeProof(proof: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(HANDSHAKE_VERSION), proof])
}

export function decodeProof(b: Uint8Array): { proof: Uint8Array } {
  expect(b, 1 + PROOF_BYTES, 'proof')
  return { proof: b.slice(1) }
}

/** Listener → dialer: `version ‖ 1` accepted or `version ‖ 0` refused. */
export function encodeVerdict(accepted: boolean): Uint8Array {
  return Uint8Array.of(HANDSHAKE_VERSION, accepted ? 1 : 0)
}

export function decodeVerdict(b: Uint8Array): { accepted: boolean } {
  expect(b, 2, 'verdict')
  if (b[1]! > 1) throw new HandshakeFormatError('verdict is neither 0 nor 1')
  return { accepted: b[1] === 1 }
}

function expect(b: Uint8Array, length: number, what: string): void {
  if (b.length !== length)
    throw new HandshakeFormatError(`${what} of ${b.length} bytes, not ${length}`)
  if (b[0] !== HANDSHAKE_VERSION)
    throw new HandshakeFormatError(`${what} of unknown version ${b[0]}`)
}
