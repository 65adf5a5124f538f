import { CID } from 'multiformats/cid'
import { base64url } from 'multiformats/bases/base64'
import { multiaddr } from '@multiformats/multiaddr'
import { checkManifestCid, type ReadCapability } from './capability.ts'
import { equals } from './bytes.ts'
import { KEY_BYTES, MAX_LINK_HINTS, MAX_LINK_LENGTH } from './constants.ts'
import { InvalidCapabilityError, UnsupportedShareLinkError } from './errors.ts'
import { deviceKeyFromPeerId, peerIdFromDeviceKey } from './roster/keys.ts'
import {
  formatShareFragmentV1,
  linkFail,
  parseShareFragmentV1,
  SHARE_FRAGMENT_PREFIX,
  type ShareFragment,
  type ShareLinkHints,
} from './share-link-v1.ts'

export { SHARE_FRAGMENT_PREFIX, type ShareFragment, type ShareLinkHints }

// Version 2 share links, byte by byte in docs/FORMAT.md §9.1; keep in sync. One base64url
// payload: what a reader must have (manifest digest and key, 64 bytes) and, only when the link's
// own origin cannot tell, relays and holders as tagged binary values. The CID's fixed prefix,
// the capability's kind byte and the hints' text forms are left out: the link stays short
// enough for a QR code a phone reads at arm's length.

export const LINK_VERSION = 0x02
export const RELAY_TAG = 0x01
export const HOLDER_TAG = 0x02
/** The manifest's sha2-256 digest: its CID is always CIDv1, dag-cbor, sha2-256 (§8). */
const DIGEST_BYTES = 32
const CID_PREFIX = Uint8Array.of(0x01, 0x71, 0x12, 0x20)
/** A holder is named by its Ed25519 public key: its peer id is a fixed prefix plus this key. */
const HOLDER_BYTES = 32
const CORE_BYTES = 1 + DIGEST_BYTES + KEY_BYTES
/** Longest relay multiaddr in binary: the length byte's range. */
const MAX_RELAY_BYTES = 255
const P2P_CODE = 421
const B64URL = /^[A-Za-z0-9_-]*$/

export interface ShareLink extends ShareFragment {
  /** The app URL the link points at: origin and path, no fragment. */
  base: string
}

function relayBytes(addr: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = multiaddr(addr).bytes
  } catch {
    linkFail('relay hint is not a multiaddr')
  }
  checkRelay(bytes)
  return bytes
}

/** A relay must name its peer id: the reader dials holders through `<relay>/p2p-circuit/…`. */
function checkRelay(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length > MAX_RELAY_BYTES) {
    linkFail(`relay hint must be 1–${MAX_RELAY_BYTES} bytes`)
  }
  let text: string
  let last: number | undefined
  try {
    const addr = multiaddr(bytes)
    // Multiaddr parsing is lenient about some trailing bytes: only an exact round trip counts.
    if (!equals(addr.bytes, bytes)) throw new Error('not canonical')
    text = addr.toString()
    last = addr.getComponents().at(-1)?.code
  } catch {
    linkFail('relay hint is not a binary multiaddr')
  }
  if (last !== P2P_CODE) linkFail('relay hint must end in /p2p/<relay peer id>')
  return text
}

function holderBytes(peer: string): Uint8Array {
  try {
    return deviceKeyFromPeerId(peer)
  } catch {
    linkFail(`holder hint is not an Ed25519 peer id`)
  }
}

/** Whether a link can name this holder: only Ed25519 peer ids fit in a holder hint. */
export function isLinkHolder(peer: string): boolean {
  try {
    deviceKeyFromPeerId(peer)
    return true
  } catch {
    return false
  }
}

/** The version 2 payload bytes (§9.1), before base64url. */
export function shareLinkPayload(cap: ReadCapability, hints: ShareLinkHints = {}): Uint8Array {
  checkManifestCid(cap.manifest)
  if (cap.key.length !== KEY_BYTES) throw new InvalidCapabilityError('the key must be 32 bytes')
  const relays = hints.relays ?? []
  const peers = hints.peers ?? []
  if (relays.length > MAX_LINK_HINTS) linkFail(`at most ${MAX_LINK_HINTS} relays per link`)
  if (peers.length > MAX_LINK_HINTS) linkFail(`at most ${MAX_LINK_HINTS} peers per link`)
  const values: [number, Uint8Array][] = [
    ...relays.map((r): [number, Uint8Array] => [RELAY_TAG, relayBytes(r)]),
    ...peers.map((p): [number, Uint8Array] => [HOLDER_TAG, holderBytes(p)]),
  ]
  const size = values.reduce((n, [, v]) => n + 2 + v.length, CORE_BYTES)
  const out = new Uint8Array(size)
  out[0] = LINK_VERSION
  out.set(cap.manifest.multihash.digest, 1)
  out.set(cap.key, 1 + DIGEST_BYTES)
  let at = CORE_BYTES
  const seen = new Set<string>()
  for (const [tag, value] of values) {
    const id = `${tag}:${base64url.baseEncode(value)}`
    if (seen.has(id)) linkFail('the same hint twice')
    seen.add(id)
    out[at] = tag
    out[at + 1] = value.length
    out.set(value, at + 2)
    at += 2 + value.length
  }
  return out
}

/** `#/s/<payload>`: the fragment alone, which is what the app's router sees. */
export function formatShareFragment(cap: ReadCapability, hints: ShareLinkHints = {}): string {
  return `${SHARE_FRAGMENT_PREFIX}${base64url.baseEncode(shareLinkPayload(cap, hints))}`
}

/** `<origin><path>#/s/<payload>`: the key stays in the fragment, never sent to a server. */
export function formatShareLink(
  base: string,
  cap: ReadCapability,
  hints: ShareLinkHints = {},
): string {
  return `${checkBase(base)}${formatShareFragment(cap, hints)}`
}

/** A version 1 link, as the app made them before: for tests that old links still open. */
export function formatShareLinkV1(
  base: string,
  cap: ReadCapability,
  hints: ShareLinkHints = {},
): string {
  return `${checkBase(base)}${formatShareFragmentV1(cap, hints)}`
}

function checkBase(base: string): string {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    linkFail('base is not an absolute URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') linkFail('base must be http(s)')
  if (url.search !== '') linkFail('base must not have a query')
  return `${url.origin}${url.pathname}`
}

/** Parses version 2 payload bytes (§9.1); each rule has its own message. */
export function parseShareLinkPayload(data: Uint8Array): ShareFragment {
  if (data.length === 0) linkFail('share link is empty')
  if (data[0] !== LINK_VERSION) {
    throw new UnsupportedShareLinkError(`share link version ${data[0]} is not supported`)
  }
  if (data.length < CORE_BYTES) linkFail('share link is truncated')
  const cidBytes = new Uint8Array(CID_PREFIX.length + DIGEST_BYTES)
  cidBytes.set(CID_PREFIX)
  cidBytes.set(data.subarray(1, 1 + DIGEST_BYTES), CID_PREFIX.length)
  const manifest = CID.decode(cidBytes)
  const key = data.slice(1 + DIGEST_BYTES, CORE_BYTES)
  const relays: string[] = []
  const peers: string[] = []
  const seen = new Set<string>()
  let lastTag = 0
  let at = CORE_BYTES
  while (at < data.length) {
    if (at + 2 > data.length) linkFail('share link hint is truncated')
    const tag = data[at]!
    const len = data[at + 1]!
    if (at + 2 + len > data.length) linkFail('share link hint is truncated')
    if (tag !== RELAY_TAG && tag !== HOLDER_TAG) {
      throw new UnsupportedShareLinkError(`share link hint tag ${tag} is not supported`)
    }
    // One order, so that every link has exactly one encoding (relays first, then holders).
    if (tag < lastTag) linkFail('share link hints are out of order')
    lastTag = tag
    const value = data.subarray(at + 2, at + 2 + len)
    const id = `${tag}:${base64url.baseEncode(value)}`
    if (seen.has(id)) linkFail('the same hint twice')
    seen.add(id)
    if (tag === RELAY_TAG) {
      if (relays.length >= MAX_LINK_HINTS) linkFail('too many relays in link')
      relays.push(checkRelay(value))
    } else {
      if (len !== HOLDER_BYTES) linkFail(`holder hint must be ${HOLDER_BYTES} bytes`)
      if (peers.length >= MAX_LINK_HINTS) linkFail('too many peers in link')
      peers.push(peerIdFromDeviceKey(value))
    }
    at += 2 + len
  }
  return { version: 2, capability: { kind: 'read', manifest, key }, relays, peers }
}

/**
 * Parses the fragment of a share link of either version: version 1 texts start with the
 * capability's version byte 0x01 ("AQE…"), version 2 payloads with 0x02 ("A…" then g–v).
 * Throws InvalidShareLinkError for a malformed link, UnsupportedShareLinkError for a newer one,
 * and (version 1 only) the capability errors of §8.
 */
export function parseShareFragment(fragment: string): ShareFragment {
  if (typeof fragment !== 'string') linkFail('fragment must be a string')
  if (fragment.length > MAX_LINK_LENGTH) linkFail('link is too long')
  if (!fragment.startsWith(SHARE_FRAGMENT_PREFIX)) linkFail('not a share link (expected #/s/…)')
  const rest = fragment.slice(SHARE_FRAGMENT_PREFIX.length)
  const q = rest.indexOf('?')
  const text = q === -1 ? rest : rest.slice(0, q)
  // Version 1 keeps its own errors (a damaged capability is InvalidCapabilityError).
  if (text.startsWith('AQ')) return parseShareFragmentV1(fragment)
  if (q !== -1) linkFail('a version 2 share link carries nothing after its payload')
  if (!B64URL.test(text)) linkFail('share link has characters outside base64url')
  let data: Uint8Array
  try {
    data = base64url.baseDecode(text)
  } catch {
    linkFail('share link is not valid base64url')
  }
  // Guards against encodings that decode to the same bytes (non-zero trailing bits).
  if (base64url.baseEncode(data) !== text) linkFail('share link is not canonical base64url')
  return parseShareLinkPayload(data)
}

/** Strictly parses a whole share link of either version. */
export function parseShareLink(link: string): ShareLink {
  if (typeof link !== 'string') linkFail('link must be a string')
  if (link.length > MAX_LINK_LENGTH) linkFail('link is too long')
  let url: URL
  try {
    url = new URL(link)
  } catch {
    linkFail('not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') linkFail('share links are http(s)')
  if (url.username !== '' || url.password !== '') linkFail('share links carry no credentials')
  if (url.search !== '') linkFail('share links carry nothing in the query string')
  const hashAt = link.indexOf('#')
  if (hashAt === -1) linkFail('not a share link (expected #/s/…)')
  // URL normalises the fragment (percent-encoding); parse the characters as written.
  return { base: `${url.origin}${url.pathname}`, ...parseShareFragment(link.slice(hashAt)) }
}
