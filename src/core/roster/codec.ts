import * as dagCbor from '@ipld/dag-cbor'
import { isPlainMap } from '../plain-map.ts'
import { concat, equals, utf8 } from '../bytes.ts'
import { MAX_DEVICES_LIMIT, PUBLIC_KEY_BYTES } from './constants.ts'
import { MalformedRosterDataError, RosterDataTooLargeError } from './errors.ts'

// Strict readers for the dag-cbor values of the roster formats (docs/FORMAT.md "## Roster").

export type Role = 'admin' | 'member' | 'keeper'
export const ROLES: readonly Role[] = ['admin', 'member', 'keeper']
/** Rank decides whether a role change grants (raises) or restricts (lowers). */
export const ROLE_RANK: Readonly<Record<Role, number>> = { keeper: 0, member: 1, admin: 2 }

/** Co-op wide rules an admin sets. */
export interface Policy {
  /** Whether members (not only admins) may issue invites, for the member or keeper role. */
  membersInvite: boolean
  /** Devices one member may have certified at once. */
  maxDevices: number
}

export type Plain = Record<string, unknown>

export function fail(message: string): never {
  throw new MalformedRosterDataError(message)
}

export function record(value: unknown, keys: readonly string[], where: string): Plain {
  if (!isPlainMap(value)) fail(`${where}: expected a map`)
  const actual = Object.keys(value)
  if (actual.length !== keys.length || !keys.every((k) => Object.hasOwn(value, k))) {
    fail(`${where}: expected exactly the fields ${keys.join(', ')}`)
  }
  return value
}

export function uint(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${where}: expected an integer in [${min}, ${max}]`)
  }
  return value
}

export function bytes(value: unknown, length: number, where: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    fail(`${where}: expected ${length} bytes`)
  }
  return value
}

export function text(value: unknown, min: number, maxBytes: number, where: string): string {
  if (typeof value !== 'string') fail(`${where}: expected a string`)
  const length = utf8(value).length
  if (length < min || length > maxBytes) fail(`${where}: expected ${min}–${maxBytes} UTF-8 bytes`)
  // Control characters in a name would let one member impersonate another in a list.
  if (/\p{Cc}/u.test(value)) fail(`${where}: control characters are not allowed`)
  return value
}

export function bool(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') fail(`${where}: expected a boolean`)
  return value
}

export function list(value: unknown, min: number, max: number, where: string): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    fail(`${where}: expected ${min}–${max} items`)
  }
  return value
}

export function role(value: unknown, where: string): Role {
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
    fail(`${where}: expected one of ${ROLES.join(', ')}`)
  }
  return value as Role
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex; the roster keys its maps by it, so it sits on the hot path of applyOps. */
export function hex(data: Uint8Array): string {
  let s = ''
  for (let i = 0; i < data.length; i++) s += HEX[data[i]!]!
  return s
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** A list of hashes that must be strictly ascending (sorted, no duplicates): one encoding only. */
export function sortedHashes(value: unknown, length: number, max: number, where: string) {
  const items = list(value, 0, max, where).map((h, i) => bytes(h, length, `${where}[${i}]`))
  for (let i = 1; i < items.length; i++) {
    if (compareBytes(items[i - 1]!, items[i]!) >= 0) fail(`${where}: must be sorted and unique`)
  }
  return items
}

export function sortHashes(hashes: readonly Uint8Array[]): Uint8Array[] {
  const out = [...hashes].sort(compareBytes)
  return out.filter((h, i) => i === 0 || !equals(out[i - 1]!, h))
}

export function policy(value: unknown, where: string): Policy {
  const p = record(value, ['membersInvite', 'maxDevices'], where)
  return {
    membersInvite: bool(p.membersInvite, `${where}.membersInvite`),
    maxDevices: uint(p.maxDevices, 1, MAX_DEVICES_LIMIT, `${where}.maxDevices`),
  }
}

export function publicKey(value: unknown, where: string): Uint8Array {
  return bytes(value, PUBLIC_KEY_BYTES, where)
}

/** `domain` ‖ 0x00 ‖ dag-cbor(body): the only shape of bytes anyone signs in a roster. */
export function signingBytes(domain: string, body: unknown): Uint8Array {
  return concat([utf8(domain), new Uint8Array(1), dagCbor.encode(body)])
}

/**
 * Decodes dag-cbor bytes under a size limit and insists they are the canonical encoding of what
 * they decode to, so that each structure has exactly one byte form (and one hash).
 */
export function decodeCanonical(data: Uint8Array, maxBytes: number, what: string): unknown {
  if (!(data instanceof Uint8Array)) fail(`${what}: expected bytes`)
  if (data.length > maxBytes) {
    throw new RosterDataTooLargeError(`${what} is ${data.length} bytes, the limit is ${maxBytes}`)
  }
  let value: unknown
  try {
    value = dagCbor.decode(data)
  } catch {
    fail(`${what} is not valid dag-cbor`)
  }
  let again: Uint8Array
  try {
    again = dagCbor.encode(value)
  } catch {
    fail(`${what} holds values dag-cbor cannot re-encode`)
  }
  if (!equals(again, data)) fail(`${what} is not in canonical dag-cbor form`)
  return value
}
