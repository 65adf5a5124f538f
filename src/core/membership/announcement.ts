import { concat, utf8 } from '../bytes.ts'
import {
  ANNOUNCEMENT_VERSION,
  MAX_ADDR_BYTES,
  MAX_ANNOUNCED_ADDRS,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_PEER_ID_BYTES,
  MAX_SEALED_BYTES,
  SEAL_AAD,
  SEAL_NONCE_BYTES,
  SEAL_TAG_BYTES,
  SEALED_VERSION,
} from './constants.ts'
import {
  AnnouncementFormatError,
  SealedFormatError,
  SealedTooLargeError,
  SealOpenError,
} from './errors.ts'

/** What a member tells the others on the discovery topic: who it is and where to reach it. */
export interface Announcement {
  /** The peer ID's multihash bytes. */
  peerId: Uint8Array
  /** Binary multiaddrs (may be empty: a tab is reached through the relays). */
  addrs: Uint8Array[]
}

/** `version ‖ len ‖ peerId ‖ count ‖ (len ‖ addr)*`, every length one byte. */
export function encodeAnnouncement(a: Announcement): Uint8Array {
  checkField(a.peerId, 1, MAX_PEER_ID_BYTES, 'peer ID')
  if (a.addrs.length > MAX_ANNOUNCED_ADDRS) {
    throw new AnnouncementFormatError(`at most ${MAX_ANNOUNCED_ADDRS} addresses`)
  }
  const parts = [Uint8Array.of(ANNOUNCEMENT_VERSION, a.peerId.length), a.peerId]
  parts.push(Uint8Array.of(a.addrs.length))
  for (const addr of a.addrs) {
    checkField(addr, 1, MAX_ADDR_BYTES, 'address')
    parts.push(Uint8Array.of(addr.length), addr)
  }
  const out = concat(parts)
  if (out.length > MAX_ANNOUNCEMENT_BYTES)
    throw new AnnouncementFormatError('announcement too long')
  return out
}

/** Strict inverse of `encodeAnnouncement`: every byte accounted for, every limit checked. */
export function decodeAnnouncement(bytes: Uint8Array): Announcement {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES)
    throw new AnnouncementFormatError('announcement too long')
  let at = 0
  const byte = (): number => {
    if (at >= bytes.length) throw new AnnouncementFormatError('announcement is truncated')
    return bytes[at++]!
  }
  const field = (max: number, what: string): Uint8Array => {
    const n = byte()
    if (n === 0 || n > max) throw new AnnouncementFormatError(`${what} length ${n} out of range`)
    if (at + n > bytes.length) throw new AnnouncementFormatError('announcement is truncated')
    const out = bytes.slice(at, at + n)
    at += n
    return out
  }
  if (byte() !== ANNOUNCEMENT_VERSION)
    throw new AnnouncementFormatError('unknown announcement version')
  const peerId = field(MAX_PEER_ID_BYTES, 'peer ID')
  const count = byte()
  if (count > MAX_ANNOUNCED_ADDRS) throw new AnnouncementFormatError(`${count} addresses`)
  const addrs: Uint8Array[] = []
  for (let i = 0; i < count; i++) addrs.push(field(MAX_ADDR_BYTES, 'address'))
  if (at !== bytes.length) throw new AnnouncementFormatError('trailing bytes after announcement')
  return { peerId, addrs }
}

/**
 * `version ‖ nonce ‖ AES-256-GCM(announceKey, nonce, plaintext, aad)` with a random nonce: two
 * announcements of one peer look unrelated to anyone without the key.
 */
export async function sealAnnouncement(
  announceKey: Uint8Array,
  a: Announcement,
): Promise<Uint8Array> {
  const plaintext = encodeAnnouncement(a)
  const nonce = crypto.getRandomValues(new Uint8Array(SEAL_NONCE_BYTES))
  const key = await importKey(announceKey, 'encrypt')
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: aad() },
      key,
      plaintext as Uint8Array<ArrayBuffer>,
    ),
  )
  return concat([Uint8Array.of(SEALED_VERSION), nonce, sealed])
}

/** Checks the size before any work, opens, then decodes strictly; every failure typed. */
export async function openAnnouncement(
  announceKey: Uint8Array,
  sealed: Uint8Array,
): Promise<Announcement> {
  if (sealed.length > MAX_SEALED_BYTES) {
    throw new SealedTooLargeError(`sealed announcement of ${sealed.length} bytes`)
  }
  if (sealed.length < 1 + SEAL_NONCE_BYTES + SEAL_TAG_BYTES) {
    throw new SealedFormatError('sealed announcement is too short')
  }
  if (sealed[0] !== SEALED_VERSION) throw new SealedFormatError('unknown sealed version')
  const nonce = sealed.slice(1, 1 + SEAL_NONCE_BYTES)
  const body = sealed.slice(1 + SEAL_NONCE_BYTES)
  const key = await importKey(announceKey, 'decrypt')
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad() }, key, body),
    )
  } catch (err) {
    throw new SealOpenError('announcement does not open under this co-op key', { cause: err })
  }
  return decodeAnnouncement(plaintext)
}

function aad(): Uint8Array<ArrayBuffer> {
  return utf8(SEAL_AAD) as Uint8Array<ArrayBuffer>
}

function importKey(raw: Uint8Array, use: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [use])
}

function checkField(b: Uint8Array, min: number, max: number, what: string): void {
  if (b.length < min || b.length > max) {
    throw new AnnouncementFormatError(`${what} of ${b.length} bytes (allowed ${min}–${max})`)
  }
}
