import { randomBytes } from '@noble/hashes/utils.js'
import { base64url } from 'multiformats/bases/base64'
import * as dagCbor from '@ipld/dag-cbor'
import {
  COOP_ID_BYTES,
  INVITE_DOMAIN,
  INVITE_ID_BYTES,
  MAX_INVITE_BYTES,
  MAX_INVITE_USES,
  MAX_PARENTS,
  OP_ID_BYTES,
  ROSTER_VERSION,
  SIGNATURE_BYTES,
} from './constants.ts'
import {
  bytes,
  decodeCanonical,
  fail,
  publicKey,
  record,
  role,
  signingBytes,
  sortedHashes,
  sortHashes,
  uint,
  type Role,
} from './codec.ts'
import { InviteExpiredError, InviteSignatureError, MalformedRosterDataError } from './errors.ts'
import { verifySignature, type Signer } from './keys.ts'

/** An admin's (or, by policy, a member's) signed promise that the bearer may join. */
export interface Invite {
  coop: Uint8Array
  /** Random, names the invite in revoke-invite ops and in use counting. */
  id: Uint8Array
  role: Role
  /** Member key of the issuer. */
  issuer: Uint8Array
  /** The issuer's roster heads when issuing: the joiner's add-member op names them as parents. */
  heads: Uint8Array[]
  /** Milliseconds since the Unix epoch. */
  created: number
  expires: number
  maxUses: number
  sig: Uint8Array
  /** The canonical encoding, as carried in a link and inside the add-member op. */
  bytes: Uint8Array
}

export interface IssueInviteInit {
  coop: Uint8Array
  issuer: Signer
  role: Role
  heads: readonly Uint8Array[]
  created: number
  expires: number
  maxUses: number
  /** Tests pass a fixed id for reproducible vectors; otherwise 16 random bytes. */
  id?: Uint8Array
}

const FIELDS = ['v', 'coop', 'id', 'role', 'issuer', 'heads', 'created', 'expires', 'maxUses']

function unsignedValue(i: Omit<Invite, 'sig' | 'bytes'>): Record<string, unknown> {
  return {
    v: ROSTER_VERSION,
    coop: i.coop,
    id: i.id,
    role: i.role,
    issuer: i.issuer,
    heads: i.heads,
    created: i.created,
    expires: i.expires,
    maxUses: i.maxUses,
  }
}

export function inviteSigningBytes(i: Omit<Invite, 'sig' | 'bytes'>): Uint8Array {
  return signingBytes(INVITE_DOMAIN, unsignedValue(i))
}

/** Signs an invite. Whether the issuer may grant `role` is checked when the invite is used. */
export function issueInvite(init: IssueInviteInit): Invite {
  const unsigned = {
    coop: bytes(init.coop, COOP_ID_BYTES, 'coop'),
    id: init.id ?? randomBytes(INVITE_ID_BYTES),
    role: role(init.role, 'role'),
    issuer: init.issuer.publicKey,
    heads: sortHashes(init.heads),
    created: uint(init.created, 0, Number.MAX_SAFE_INTEGER, 'created'),
    expires: uint(init.expires, init.created + 1, Number.MAX_SAFE_INTEGER, 'expires'),
    maxUses: uint(init.maxUses, 1, MAX_INVITE_USES, 'maxUses'),
  }
  if (unsigned.heads.length < 1 || unsigned.heads.length > MAX_PARENTS) {
    fail(`an invite names 1–${MAX_PARENTS} roster heads`)
  }
  const sig = init.issuer.sign(inviteSigningBytes(unsigned))
  const encoded = dagCbor.encode({ ...unsignedValue(unsigned), sig })
  return { ...unsigned, sig, bytes: encoded }
}

/**
 * Decodes and checks an invite's shape and signature. Throws MalformedRosterDataError /
 * RosterDataTooLargeError for bad bytes, InviteSignatureError for a bad signature.
 */
export function decodeInvite(data: Uint8Array): Invite {
  const v = record(decodeCanonical(data, MAX_INVITE_BYTES, 'invite'), [...FIELDS, 'sig'], 'invite')
  if (v.v !== ROSTER_VERSION) fail(`invite version ${String(v.v)} is not supported`)
  const created = uint(v.created, 0, Number.MAX_SAFE_INTEGER, 'invite.created')
  const invite: Invite = {
    coop: bytes(v.coop, COOP_ID_BYTES, 'invite.coop'),
    id: bytes(v.id, INVITE_ID_BYTES, 'invite.id'),
    role: role(v.role, 'invite.role'),
    issuer: publicKey(v.issuer, 'invite.issuer'),
    heads: sortedHashes(v.heads, OP_ID_BYTES, MAX_PARENTS, 'invite.heads'),
    created,
    expires: uint(v.expires, created + 1, Number.MAX_SAFE_INTEGER, 'invite.expires'),
    maxUses: uint(v.maxUses, 1, MAX_INVITE_USES, 'invite.maxUses'),
    sig: bytes(v.sig, SIGNATURE_BYTES, 'invite.sig'),
    bytes: data,
  }
  if (invite.heads.length === 0) fail('invite.heads: an invite names at least one head')
  if (!verifySignature(invite.sig, inviteSigningBytes(invite), invite.issuer)) {
    throw new InviteSignatureError('the invite signature does not verify under its issuer key')
  }
  return invite
}

/** The invite token as it appears in a link fragment: base64url, no padding. */
export function formatInvite(invite: Invite): string {
  return base64url.baseEncode(invite.bytes)
}

export function parseInvite(token: string): Invite {
  if (typeof token !== 'string' || token.length > Math.ceil((MAX_INVITE_BYTES * 4) / 3)) {
    throw new MalformedRosterDataError('invite token is not a string of acceptable length')
  }
  if (!/^[A-Za-z0-9_-]+$/.test(token)) fail('invite token has characters outside base64url')
  let data: Uint8Array
  try {
    data = base64url.baseDecode(token)
  } catch {
    fail('invite token is not valid base64url')
  }
  const invite = decodeInvite(data)
  if (formatInvite(invite) !== token) fail('invite token is not canonical base64url')
  return invite
}

/** What a joiner can check alone, before anything else: right co-op, signature, not expired. */
export function checkInvite(invite: Invite, coop: Uint8Array, now: number): void {
  if (invite.coop.length !== coop.length || !invite.coop.every((b, i) => b === coop[i])) {
    throw new InviteSignatureError('the invite was issued for another co-op')
  }
  if (now >= invite.expires) {
    throw new InviteExpiredError(`the invite expired at ${new Date(invite.expires).toISOString()}`)
  }
}
