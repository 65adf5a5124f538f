import { CID } from 'multiformats/cid'
import { base64url } from 'multiformats/bases/base64'
import { DAG_CBOR_CODE, SHA2_256_CODE } from './block.ts'
import { KEY_BYTES, MAX_LINK_HINT_LENGTH, MAX_LINK_HINTS, MAX_LINK_LENGTH } from './constants.ts'
import {
  InvalidCapabilityError,
  InvalidShareLinkError,
  UnsupportedCapabilityError,
} from './errors.ts'

// Byte layouts and the link grammar are specified in docs/FORMAT.md §8–9; keep in sync.

export const CAPABILITY_VERSION = 0x01
export const READ_KIND = 0x01
export const REPAIR_KIND = 0x02
/** CIDv1 + dag-cbor + sha2-256 multihash header + 32-byte digest. */
const MANIFEST_CID_BYTES = 36
const HEADER_BYTES = 2
const READ_BYTES = HEADER_BYTES + MANIFEST_CID_BYTES + KEY_BYTES
const REPAIR_BYTES = HEADER_BYTES + MANIFEST_CID_BYTES

/** Manifest CID + file key: lets the holder read the file. */
export interface ReadCapability {
  kind: 'read'
  manifest: CID
  key: Uint8Array
}

/** Manifest CID alone: lets the holder check and repair shards, never read them. */
export interface RepairCapability {
  kind: 'repair'
  manifest: CID
}

export type Capability = ReadCapability | RepairCapability

/** Extra hints a share link can carry so a stranger can reach the holders. */
export interface ShareLinkHints {
  /** Relay multiaddrs (`r=`), validated only for shape here; the network layer parses them. */
  relays?: string[]
  /** Peer ids of likely holders (`p=`). */
  peers?: string[]
}

export interface ShareLink {
  /** The app URL the link points at: origin and path, no fragment. */
  base: string
  capability: ReadCapability
  relays: string[]
  peers: string[]
}

const B64URL = /^[A-Za-z0-9_-]*$/

function checkManifestCid(cid: CID): void {
  if (
    cid.version !== 1 ||
    cid.code !== DAG_CBOR_CODE ||
    cid.multihash.code !== SHA2_256_CODE ||
    cid.multihash.size !== 32
  ) {
    throw new InvalidCapabilityError('the manifest CID must be CIDv1, dag-cbor, sha2-256')
  }
}

export function capabilityBytes(cap: Capability): Uint8Array {
  checkManifestCid(cap.manifest)
  const out = new Uint8Array(cap.kind === 'read' ? READ_BYTES : REPAIR_BYTES)
  out[0] = CAPABILITY_VERSION
  out[1] = cap.kind === 'read' ? READ_KIND : REPAIR_KIND
  out.set(cap.manifest.bytes, HEADER_BYTES)
  if (cap.kind === 'read') {
    if (cap.key.length !== KEY_BYTES) throw new InvalidCapabilityError('the key must be 32 bytes')
    out.set(cap.key, HEADER_BYTES + MANIFEST_CID_BYTES)
  }
  return out
}

export function formatCapability(cap: Capability): string {
  return base64url.baseEncode(capabilityBytes(cap))
}

export function parseCapabilityBytes(data: Uint8Array): Capability {
  if (data.length < HEADER_BYTES) throw new InvalidCapabilityError('capability is truncated')
  if (data[0] !== CAPABILITY_VERSION) {
    throw new UnsupportedCapabilityError(`capability version ${data[0]} is not supported`)
  }
  const kind = data[1]
  if (kind !== READ_KIND && kind !== REPAIR_KIND) {
    throw new UnsupportedCapabilityError(`capability kind ${kind} is not supported`)
  }
  const expected = kind === READ_KIND ? READ_BYTES : REPAIR_BYTES
  if (data.length !== expected) {
    throw new InvalidCapabilityError(
      `capability has ${data.length} bytes, expected ${expected}` +
        (data.length < expected ? ' (truncated)' : ''),
    )
  }
  let manifest: CID
  try {
    manifest = CID.decode(data.slice(HEADER_BYTES, HEADER_BYTES + MANIFEST_CID_BYTES))
  } catch {
    throw new InvalidCapabilityError('capability holds a malformed CID')
  }
  checkManifestCid(manifest)
  if (kind === REPAIR_KIND) return { kind: 'repair', manifest }
  return { kind: 'read', manifest, key: data.slice(HEADER_BYTES + MANIFEST_CID_BYTES) }
}

/** Strict: base64url without padding, canonical trailing bits, known version and kind. */
export function parseCapability(text: string): Capability {
  if (typeof text !== 'string') throw new InvalidCapabilityError('capability must be a string')
  if (text.length === 0) throw new InvalidCapabilityError('capability is empty')
  if (text.length > 2 * READ_BYTES) throw new InvalidCapabilityError('capability is too long')
  if (!B64URL.test(text)) {
    throw new InvalidCapabilityError('capability has characters outside base64url')
  }
  let data: Uint8Array
  try {
    data = base64url.baseDecode(text)
  } catch {
    throw new InvalidCapabilityError('capability is not valid base64url')
  }
  const cap = parseCapabilityBytes(data)
  // Guards against encodings that decode to the same bytes (non-zero trailing bits).
  if (formatCapability(cap) !== text) throw new InvalidCapabilityError('capability not canonical')
  return cap
}

export function parseReadCapability(text: string): ReadCapability {
  const cap = parseCapability(text)
  if (cap.kind !== 'read') {
    throw new InvalidCapabilityError('this is a repair capability: it cannot open the file')
  }
  return cap
}

export function toRepairCapability(cap: Capability): RepairCapability {
  return { kind: 'repair', manifest: cap.manifest }
}

const FRAGMENT_PREFIX = '#/s/'
const HINT_KEYS = { r: 'relays', p: 'peers' } as const
const RELAY_SHAPE = /^\/[\x21-\x7e]*$/
const PEER_SHAPE = /^[A-Za-z0-9]+$/

function linkFail(message: string): never {
  throw new InvalidShareLinkError(message)
}

function checkHint(key: 'r' | 'p', value: string): void {
  if (value.length === 0 || value.length > MAX_LINK_HINT_LENGTH) {
    linkFail(`link hint ${key} must be 1–${MAX_LINK_HINT_LENGTH} characters`)
  }
  if (!(key === 'r' ? RELAY_SHAPE : PEER_SHAPE).test(value)) {
    linkFail(key === 'r' ? 'relay hint is not a multiaddr' : 'peer hint is not a peer id')
  }
}

/** The fragment part alone, `#/s/<cap>[?r=…&p=…]`, which is what the app's router sees. */
export function formatShareFragment(cap: ReadCapability, hints: ShareLinkHints = {}): string {
  const params: string[] = []
  for (const [key, field] of Object.entries(HINT_KEYS) as ['r' | 'p', 'relays' | 'peers'][]) {
    const values = hints[field] ?? []
    if (values.length > MAX_LINK_HINTS) linkFail(`at most ${MAX_LINK_HINTS} ${field} per link`)
    for (const v of values) {
      checkHint(key, v)
      params.push(`${key}=${encodeURIComponent(v)}`)
    }
  }
  return `${FRAGMENT_PREFIX}${formatCapability(cap)}${params.length > 0 ? `?${params.join('&')}` : ''}`
}

/** `<origin><path>#/s/<read capability>[?r=<relay>&p=<peer>…]`: the key stays in the fragment. */
export function formatShareLink(
  base: string,
  cap: ReadCapability,
  hints: ShareLinkHints = {},
): string {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    linkFail('base is not an absolute URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') linkFail('base must be http(s)')
  if (url.search !== '') linkFail('base must not have a query')
  return `${url.origin}${url.pathname}${formatShareFragment(cap, hints)}`
}

export function parseShareFragment(fragment: string): Omit<ShareLink, 'base'> {
  if (typeof fragment !== 'string') linkFail('fragment must be a string')
  if (fragment.length > MAX_LINK_LENGTH) linkFail('link is too long')
  if (!fragment.startsWith(FRAGMENT_PREFIX)) linkFail('not a share link (expected #/s/…)')
  const rest = fragment.slice(FRAGMENT_PREFIX.length)
  const q = rest.indexOf('?')
  const capText = q === -1 ? rest : rest.slice(0, q)
  const capability = parseReadCapability(capText)
  const relays: string[] = []
  const peers: string[] = []
  if (q !== -1) {
    const query = rest.slice(q + 1)
    if (query.length === 0) linkFail('empty hint list after ?')
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=')
      if (eq <= 0) linkFail('link hint must be key=value')
      const key = pair.slice(0, eq)
      if (key !== 'r' && key !== 'p') linkFail(`unknown link hint "${key.slice(0, 16)}"`)
      let value: string
      try {
        value = decodeURIComponent(pair.slice(eq + 1))
      } catch {
        linkFail('link hint is not valid percent-encoding')
      }
      checkHint(key, value)
      const list = key === 'r' ? relays : peers
      if (list.length >= MAX_LINK_HINTS) linkFail(`too many ${HINT_KEYS[key]} in link`)
      list.push(value)
    }
  }
  return { capability, relays, peers }
}

/**
 * Strictly parses a whole share link. Throws InvalidShareLinkError for link-level problems,
 * InvalidCapabilityError / UnsupportedCapabilityError for the capability inside.
 */
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
  // URL normalises the fragment (percent-encoding); parse the characters as written.
  const parsed = parseShareFragment(link.slice(hashAt))
  return { base: `${url.origin}${url.pathname}`, ...parsed }
}
