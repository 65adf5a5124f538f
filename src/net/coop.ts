import { base32 } from 'multiformats/bases/base32'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Coop } from './types.ts'
import {
  COOP_ID_BYTES,
  COOP_ID_PATTERN,
  COOP_SECRET_PATTERN,
  DEFAULT_COOP_NAME,
  DISCOVERY_TOPIC_PREFIX,
  INVITE_FRAGMENT_PREFIX,
  INVITE_VERSION,
  INVITE_VERSION_WITHOUT_SECRET,
  MAX_COOP_NAME_CHARS,
  MAX_INVITE_CHARS,
  MAX_RELAY_ADDR_CHARS,
  MAX_RELAYS,
} from './constants.ts'
import {
  InviteContentError,
  InviteEncodingError,
  InviteMissingError,
  InviteOutdatedError,
  MissingCoopSecretError,
  NoRelayError,
} from './errors.ts'
import { deriveCoopKeys, newCoopSecret, type CoopKeys } from '../core/membership/index.ts'

export interface CreateCoopInit {
  relays: string[]
  name?: string
}

/** A new co-op with a random ID and secret; `relays` usually come from the relay's /config.json. */
export function createCoop(init: CreateCoopInit): Coop {
  const relays = init.relays.filter(isRelayAddr)
  if (relays.length === 0) throw new NoRelayError('a co-op needs at least one relay address')
  const id = base32.baseEncode(crypto.getRandomValues(new Uint8Array(COOP_ID_BYTES)))
  const name = (init.name ?? DEFAULT_COOP_NAME).trim().slice(0, MAX_COOP_NAME_CHARS)
  return {
    id,
    name: name === '' ? DEFAULT_COOP_NAME : name,
    relays: relays.slice(0, MAX_RELAYS),
    secret: newSecretText(),
  }
}

/** A fresh co-op secret as stored and carried in invites (unpadded base64url). */
export function newSecretText(): string {
  return toBase64Url(newCoopSecret())
}

/** The keys of the co-op's membership boundary; throws if the co-op has no valid secret. */
export function coopKeys(coop: Coop): CoopKeys {
  if (coop.secret === undefined || !COOP_SECRET_PATTERN.test(coop.secret)) {
    throw new MissingCoopSecretError(`co-op ${coop.id} has no secret; it needs a new invite`)
  }
  return deriveCoopKeys(fromBase64Url(coop.secret))
}

/**
 * `<baseUrl>/#/join/<base64url JSON>`; the fragment never reaches a server, and it carries the
 * co-op secret: whoever holds the link is a member.
 */
export function formatInvite(coop: Coop, baseUrl: string): string {
  coopKeys(coop)
  const json = JSON.stringify({
    v: INVITE_VERSION,
    id: coop.id,
    name: coop.name,
    r: coop.relays,
    s: coop.secret,
  })
  const base = baseUrl.replace(/[#].*$/, '').replace(/\/+$/, '')
  return `${base}/${INVITE_FRAGMENT_PREFIX}${toBase64Url(new TextEncoder().encode(json))}`
}

/**
 * Reads a co-op from an invite link, its fragment (`#/join/…`) or the bare payload.
 * Throws an InvalidInviteError subclass naming what is wrong; never returns a half-valid co-op.
 */
export function parseInvite(input: string): Coop {
  if (input.length > MAX_INVITE_CHARS) throw new InviteEncodingError('invite is too long')
  const at = input.indexOf(INVITE_FRAGMENT_PREFIX)
  if (at < 0) throw new InviteMissingError('not an invite link (no #/join/)')
  const payload = input.slice(at + INVITE_FRAGMENT_PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) {
    throw new InviteEncodingError('invite payload is not base64url')
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(payload)))
  } catch {
    throw new InviteEncodingError('invite payload is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InviteContentError('invite is not an object')
  }
  const o = value as Record<string, unknown>
  if (o.v === INVITE_VERSION_WITHOUT_SECRET) {
    throw new InviteOutdatedError(
      'this invite was made by an older Coffer and can no longer let anyone in: ask a member for a new invite link',
    )
  }
  const keys = Object.keys(o).sort().join(',')
  if (keys !== 'id,name,r,s,v') throw new InviteContentError(`unexpected invite fields: ${keys}`)
  if (o.v !== INVITE_VERSION) throw new InviteContentError(`unsupported invite version`)
  if (typeof o.s !== 'string' || !COOP_SECRET_PATTERN.test(o.s)) {
    throw new InviteContentError('invalid co-op secret')
  }
  if (typeof o.id !== 'string' || !COOP_ID_PATTERN.test(o.id)) {
    throw new InviteContentError('invalid co-op id')
  }
  if (
    typeof o.name !== 'string' ||
    o.name.trim() === '' ||
    o.name.length > MAX_COOP_NAME_CHARS ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(o.name)
  ) {
    throw new InviteContentError('invalid co-op name')
  }
  if (!Array.isArray(o.r) || o.r.length === 0 || o.r.length > MAX_RELAYS) {
    throw new InviteContentError(`an invite lists 1 to ${MAX_RELAYS} relays`)
  }
  const relays: string[] = []
  for (const r of o.r) {
    if (typeof r !== 'string' || !isRelayAddr(r)) {
      throw new InviteContentError('invalid relay address')
    }
    relays.push(r)
  }
  return { id: o.id, name: o.name, relays, secret: o.s }
}

/** A WebSocket multiaddr ending in /p2p/<peer id>: what a browser can dial as a relay. */
export function isRelayAddr(addr: string): boolean {
  if (addr.length > MAX_RELAY_ADDR_CHARS) return false
  try {
    const ma = multiaddr(addr)
    const parts = ma.getComponents()
    const last = parts[parts.length - 1]
    if (last?.name !== 'p2p' || last.value === undefined) return false
    peerIdFromString(last.value)
    return parts.some((c) => c.name === 'ws' || c.name === 'wss' || c.name === 'tls')
  } catch {
    return false
  }
}

/**
 * The gossipsub topic a co-op discovers its peers on: derived from the co-op secret, so the
 * relay routes it without learning which co-op it is, and outsiders cannot name it.
 */
export function discoveryTopic(keys: Pick<CoopKeys, 'topicId'>): string {
  return DISCOVERY_TOPIC_PREFIX + base32.baseEncode(keys.topicId)
}

function toBase64Url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}
