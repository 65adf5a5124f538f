import type { PeerId, PublicKey } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { UnverifiablePeerError } from './errors.ts'

/** The public key inlined in a peer id (Ed25519, secp256k1); RSA ids do not carry one. */
export function publicKeyOf(peer: PeerId): PublicKey {
  const key = peer.publicKey
  if (key === undefined)
    throw new UnverifiablePeerError(`peer ${peer.toString()} does not embed its public key`)
  return key
}

/** Peer id from the multihash bytes carried in a message; throws on anything else. */
export function peerIdFromBytes(bytes: Uint8Array): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch (err) {
    throw new UnverifiablePeerError(`not a peer id: ${(err as Error).message}`)
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
