import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  COOP_ID_BYTES,
  INVITE_ID_BYTES,
  MAX_EPOCH,
  MAX_NAME_BYTES,
  MAX_OP_BYTES,
  MAX_PARENTS,
  OP_DOMAIN,
  OP_ID_BYTES,
  ROSTER_VERSION,
  SIGNATURE_BYTES,
} from './constants.ts'
import {
  bytes,
  decodeCanonical,
  fail,
  policy,
  publicKey,
  record,
  role,
  signingBytes,
  sortedHashes,
  sortHashes,
  text,
  uint,
  type Policy,
  type Role,
} from './codec.ts'
import { RosterDataTooLargeError, RosterSignatureError } from './errors.ts'
import {
  readDeviceCert,
  readGrant,
  verifyDeviceCert,
  verifyGrant,
  type DeviceCert,
  type MemberGrant,
} from './grant.ts'
import { decodeInvite, type Invite } from './invite.ts'
import { coopIdFromKey, verifySignature, type Signer } from './keys.ts'

export type OpBody =
  | { kind: 'create'; policy: Policy; founder: MemberGrant }
  | { kind: 'add-member'; grant: MemberGrant; invite: Invite | null }
  | { kind: 'add-device'; member: Uint8Array; device: DeviceCert }
  | { kind: 'remove-member'; member: Uint8Array }
  | { kind: 'remove-device'; device: Uint8Array }
  | { kind: 'change-role'; member: Uint8Array; role: Role }
  | { kind: 'change-policy'; policy: Policy }
  | { kind: 'revoke-invite'; invite: Uint8Array }
  | { kind: 'rotate-secret'; epoch: number }
  | { kind: 'set-name'; name: string }

export type OpKind = OpBody['kind']

/** One signed, hash-chained roster operation, decoded and signature-checked. */
export interface RosterOp {
  /** sha2-256 of the op's signing bytes: what children name as parents. */
  id: Uint8Array
  coop: Uint8Array
  /** Ids of the heads the author had seen, ascending; empty only for `create`. */
  parents: Uint8Array[]
  /** Public key of the signer: the co-op key for `create`, a member key otherwise. */
  author: Uint8Array
  /** Milliseconds since the Unix epoch, as claimed by the author; never less than a parent's. */
  time: number
  body: OpBody
  sig: Uint8Array
  /** The canonical encoding, what peers store and exchange. */
  bytes: Uint8Array
}

export interface SignOpInit {
  coop: Uint8Array
  parents: readonly Uint8Array[]
  author: Signer
  time: number
  body: OpBody
}

function bodyValue(body: OpBody): Record<string, unknown> {
  switch (body.kind) {
    case 'create':
      return { policy: body.policy, founder: body.founder }
    case 'add-member':
      return { grant: body.grant, invite: body.invite === null ? null : body.invite.bytes }
    case 'add-device':
      return { member: body.member, device: body.device }
    case 'remove-member':
      return { member: body.member }
    case 'remove-device':
      return { device: body.device }
    case 'change-role':
      return { member: body.member, role: body.role }
    case 'change-policy':
      return { policy: body.policy }
    case 'revoke-invite':
      return { invite: body.invite }
    case 'rotate-secret':
      return { epoch: body.epoch }
    case 'set-name':
      return { name: body.name }
  }
}

function readBody(kind: unknown, value: unknown): OpBody {
  const w = 'op.body'
  switch (kind) {
    case 'create': {
      const b = record(value, ['policy', 'founder'], w)
      return { kind, policy: policy(b.policy, `${w}.policy`), founder: readGrant(b.founder, w) }
    }
    case 'add-member': {
      const b = record(value, ['grant', 'invite'], w)
      if (b.invite !== null && !(b.invite instanceof Uint8Array)) fail(`${w}.invite: bytes or null`)
      const invite = b.invite === null ? null : decodeInvite(b.invite)
      return { kind, grant: readGrant(b.grant, `${w}.grant`), invite }
    }
    case 'add-device': {
      const b = record(value, ['member', 'device'], w)
      const device = readDeviceCert(b.device, `${w}.device`)
      return { kind, member: publicKey(b.member, `${w}.member`), device }
    }
    case 'remove-member':
      return { kind, member: publicKey(record(value, ['member'], w).member, `${w}.member`) }
    case 'remove-device':
      return { kind, device: publicKey(record(value, ['device'], w).device, `${w}.device`) }
    case 'change-role': {
      const b = record(value, ['member', 'role'], w)
      return { kind, member: publicKey(b.member, `${w}.member`), role: role(b.role, `${w}.role`) }
    }
    case 'change-policy':
      return { kind, policy: policy(record(value, ['policy'], w).policy, `${w}.policy`) }
    case 'revoke-invite': {
      const invite = bytes(record(value, ['invite'], w).invite, INVITE_ID_BYTES, `${w}.invite`)
      return { kind, invite }
    }
    case 'rotate-secret':
      return { kind, epoch: uint(record(value, ['epoch'], w).epoch, 1, MAX_EPOCH, `${w}.epoch`) }
    case 'set-name':
      return { kind, name: text(record(value, ['name'], w).name, 1, MAX_NAME_BYTES, `${w}.name`) }
    default:
      fail(`op.kind ${JSON.stringify(String(kind)).slice(0, 40)} is not known`)
  }
}

function unsignedValue(op: Omit<RosterOp, 'id' | 'sig' | 'bytes'>): Record<string, unknown> {
  return {
    v: ROSTER_VERSION,
    coop: op.coop,
    kind: op.body.kind,
    parents: op.parents,
    author: op.author,
    time: op.time,
    body: bodyValue(op.body),
  }
}

export function opSigningBytes(op: Omit<RosterOp, 'id' | 'sig' | 'bytes'>): Uint8Array {
  return signingBytes(OP_DOMAIN, unsignedValue(op))
}

/** Signature and embedded proofs: everything about an op that needs no roster state. */
function verifyOp(op: Omit<RosterOp, 'id' | 'bytes'>, signed: Uint8Array): void {
  if (!verifySignature(op.sig, signed, op.author)) {
    throw new RosterSignatureError('the op signature does not verify under its author key')
  }
  const b = op.body
  if (b.kind === 'create') {
    if (op.parents.length !== 0) fail('a create op has no parents')
    if (!coopIdFromKey(op.author).every((x, i) => x === op.coop[i])) {
      throw new RosterSignatureError('a create op must be signed by the key the co-op id names')
    }
    verifyGrant(op.coop, b.founder)
  } else {
    if (op.parents.length === 0) fail(`a ${b.kind} op names at least one parent`)
    if (b.kind === 'add-member') verifyGrant(op.coop, b.grant)
    if (b.kind === 'add-device') verifyDeviceCert(op.coop, b.member, b.device)
  }
}

/** Builds and signs an op. Throws RosterDataTooLargeError if it would not fit MAX_OP_BYTES. */
export function signOp(init: SignOpInit): RosterOp {
  const unsigned = {
    coop: bytes(init.coop, COOP_ID_BYTES, 'coop'),
    parents: sortHashes(init.parents),
    author: init.author.publicKey,
    time: uint(init.time, 0, Number.MAX_SAFE_INTEGER, 'time'),
    body: init.body,
  }
  if (unsigned.parents.length > MAX_PARENTS) fail(`an op names at most ${MAX_PARENTS} parents`)
  const signed = opSigningBytes(unsigned)
  const sig = init.author.sign(signed)
  const encoded = dagCbor.encode({ ...unsignedValue(unsigned), sig })
  if (encoded.length > MAX_OP_BYTES) {
    throw new RosterDataTooLargeError(
      `the op would be ${encoded.length} bytes (max ${MAX_OP_BYTES})`,
    )
  }
  verifyOp({ ...unsigned, sig }, signed)
  return { ...unsigned, id: sha256(signed), sig, bytes: encoded }
}

/**
 * Decodes one op from the network or storage and checks everything that needs no roster state:
 * size, canonical form, field types, signature, name claims, device proofs, embedded invite.
 */
export function decodeOp(data: Uint8Array): RosterOp {
  const v = record(
    decodeCanonical(data, MAX_OP_BYTES, 'op'),
    ['v', 'coop', 'kind', 'parents', 'author', 'time', 'body', 'sig'],
    'op',
  )
  if (v.v !== ROSTER_VERSION) fail(`op version ${String(v.v)} is not supported`)
  const op = {
    coop: bytes(v.coop, COOP_ID_BYTES, 'op.coop'),
    parents: sortedHashes(v.parents, OP_ID_BYTES, MAX_PARENTS, 'op.parents'),
    author: publicKey(v.author, 'op.author'),
    time: uint(v.time, 0, Number.MAX_SAFE_INTEGER, 'op.time'),
    body: readBody(v.kind, v.body),
    sig: bytes(v.sig, SIGNATURE_BYTES, 'op.sig'),
  }
  const signed = opSigningBytes(op)
  verifyOp(op, signed)
  return { ...op, id: sha256(signed), bytes: data }
}
