import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { utf8 } from '../bytes.ts'
import {
  COOP_SECRET_BYTES,
  DERIVED_KEY_BYTES,
  HKDF_SALT,
  LABEL_ANNOUNCE_KEY,
  LABEL_DISCOVERY_TOPIC,
  LABEL_MEMBER_KEY,
} from './constants.ts'
import { InvalidCoopSecretError } from './errors.ts'

/** The keys a co-op secret gives its members; each from its own HKDF label. */
export interface CoopKeys {
  /** Names the discovery topic: opaque to anyone without the secret. */
  topicId: Uint8Array
  /** AES-256-GCM key that seals discovery announcements. */
  announceKey: Uint8Array
  /** HMAC-SHA256 key of the membership handshake. */
  memberKey: Uint8Array
}

/** A fresh random co-op secret. */
export function newCoopSecret(): Uint8Array {
  return randomBytes(COOP_SECRET_BYTES)
}

export function checkCoopSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== COOP_SECRET_BYTES) {
    throw new InvalidCoopSecretError(`a co-op secret is ${COOP_SECRET_BYTES} bytes`)
  }
}

/** HKDF-SHA256(salt, secret, label) for each of the three keys (docs/FORMAT.md). */
export function deriveCoopKeys(secret: Uint8Array): CoopKeys {
  checkCoopSecret(secret)
  const salt = utf8(HKDF_SALT)
  const derive = (label: string): Uint8Array =>
    hkdf(sha256, secret, salt, utf8(label), DERIVED_KEY_BYTES)
  return {
    topicId: derive(LABEL_DISCOVERY_TOPIC),
    announceKey: derive(LABEL_ANNOUNCE_KEY),
    memberKey: derive(LABEL_MEMBER_KEY),
  }
}
