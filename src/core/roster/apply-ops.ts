import { equals } from '../bytes.ts'
import { DEFAULT_POLICY } from './constants.ts'
import { compareBytes, hex, ROLE_RANK, type Policy, type Role } from './codec.ts'
import { orderOps, type OrderedDag } from './dag.ts'
import {
  InviteExpiredError,
  InviteIssuerError,
  InviteRevokedError,
  InviteUsedUpError,
  RosterError,
  RosterSignatureError,
  WrongCoopError,
} from './errors.ts'
import type { MemberGrant } from './grant.ts'
import { peerIdFromDeviceKey } from './keys.ts'
import type { OpKind, RosterOp } from './op.ts'

// The convergence rule of docs/MEMBERSHIP.md "Concurrency", as code. Keep the two in sync.

export interface Device {
  key: Uint8Array
  peerId: string
  label: string
}

export interface Member {
  key: Uint8Array
  role: Role
  name: string
  devices: Device[]
}

/** Why a well-signed op has no effect: `code` is the code of the RosterError class it maps to. */
export interface Rejection {
  id: Uint8Array
  kind: OpKind
  code: string
  reason: string
}

export interface InviteUses {
  id: Uint8Array
  uses: number
  revoked: boolean
}

/** The roster every member computes from the same set of ops; plain data, sorted, comparable. */
export interface RosterState {
  coop: Uint8Array
  /** Id of the create op in effect, or null while it has not arrived. */
  genesis: Uint8Array | null
  policy: Policy
  /** Secret epoch: 0 from creation, raised by rotate-secret ops. */
  epoch: number
  /** The rotate-secret op that set the epoch (the new secret is keyed to it), null at epoch 0. */
  epochOp: Uint8Array | null
  members: Member[]
  removed: Uint8Array[]
  invites: InviteUses[]
  heads: Uint8Array[]
  /** Effective ops in the deterministic order. */
  applied: Uint8Array[]
  rejected: Rejection[]
  pending: Uint8Array[]
}

interface Entry {
  at: number
  role: Role | null
}

interface MemberRow {
  key: Uint8Array
  role: Role
  name: string
  devices: Map<string, Device>
}

const RESTRICTED = RosterError.code
const rank = (role: Role | null): number => (role === null ? -1 : ROLE_RANK[role])

/**
 * Not an Error on purpose: a rejected op is an expected outcome, caught a few lines up, and a
 * captured stack trace per rejection made applyOps several times slower.
 */
class Reject {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

function refuse(message: string, code = RESTRICTED): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- see Reject
  throw new Reject(code, message)
}

/** One sequential run over the ordered ops; `doom` holds the restrictions an earlier run found. */
class Pass {
  readonly members = new Map<string, MemberRow>()
  readonly removed = new Map<string, Uint8Array>()
  readonly owner = new Map<string, string>()
  readonly retired = new Set<string>()
  readonly invites = new Map<string, InviteUses>()
  readonly history = new Map<string, Entry[]>()
  readonly restrictions = new Map<string, Entry[]>()
  readonly applied: number[] = []
  readonly rejected: Rejection[] = []
  policy: Policy = { ...DEFAULT_POLICY }
  epoch = 0
  epochOp: Uint8Array | null = null
  genesis = -1

  constructor(
    readonly coop: Uint8Array,
    readonly dag: OrderedDag,
    readonly doom: ReadonlyMap<string, Entry[]>,
  ) {}

  run(): this {
    this.dag.order.forEach((op, at) => {
      try {
        this.check(op, at)
        this.applied.push(at)
      } catch (err) {
        if (!(err instanceof Reject)) throw err
        this.rejected.push({ id: op.id, kind: op.body.kind, code: err.code, reason: err.message })
      }
    })
    return this
  }

  /** The role `member` held in the causal past of the op at `at` (null: not a member there). */
  roleAt(member: string, at: number): Role | null {
    const entries = this.history.get(member) ?? []
    for (let i = entries.length - 1; i >= 0; i--) {
      if (this.dag.isAncestor(entries[i]!.at, at)) return entries[i]!.role
    }
    return null
  }

  /** Restrictions of `key` that are concurrent with `at`: neither before nor after it. */
  concurrent(key: string, at: number): Entry[] {
    return (this.doom.get(key) ?? []).filter(
      (r) => r.at !== at && !this.dag.isAncestor(r.at, at) && !this.dag.isAncestor(at, r.at),
    )
  }

  /** Authority for an op that grants: the causal-past role, lowered by concurrent restrictions. */
  granting(member: string, at: number): number {
    let r = rank(this.roleAt(member, at))
    for (const x of this.concurrent(`m:${member}`, at)) r = Math.min(r, rank(x.role))
    return r
  }

  restrict(key: string, entry: Entry): void {
    const list = this.restrictions.get(key)
    if (list === undefined) this.restrictions.set(key, [entry])
    else list.push(entry)
  }

  record(member: string, entry: Entry): void {
    const list = this.history.get(member)
    if (list === undefined) this.history.set(member, [entry])
    else list.push(entry)
  }

  row(key: Uint8Array): MemberRow {
    return this.members.get(hex(key)) ?? refuse('the target is not a current member')
  }

  addMember(grant: MemberGrant, at: number): void {
    const key = hex(grant.key)
    if (this.members.has(key)) refuse('already a member')
    if (this.removed.has(key)) refuse('a removed member key never comes back; join with a new key')
    if (grant.devices.length > this.policy.maxDevices) refuse('more devices than the policy allows')
    const devices = new Map<string, Device>()
    for (const d of grant.devices) {
      const dk = hex(d.key)
      if (devices.has(dk) || this.owner.has(dk) || this.retired.has(dk)) {
        refuse('a device key is already taken or was removed')
      }
      devices.set(dk, { key: d.key, peerId: peerIdFromDeviceKey(d.key), label: d.label })
    }
    this.members.set(key, { key: grant.key, role: grant.role, name: grant.name, devices })
    for (const dk of devices.keys()) this.owner.set(dk, key)
    this.record(key, { at, role: grant.role })
  }

  check(op: RosterOp, at: number): void {
    if (!equals(op.coop, this.coop)) refuse('op of another co-op', WrongCoopError.code)
    for (const p of this.dag.parents[at]!) {
      if (this.dag.order[p]!.time > op.time) refuse('op time is earlier than a parent')
    }
    const b = op.body
    const author = hex(op.author)
    if (b.kind === 'create') {
      if (this.genesis !== -1) refuse('the co-op already has a create op')
      if (b.founder.role !== 'admin') refuse('the founder is an admin')
      this.policy = { ...b.policy }
      this.addMember(b.founder, at)
      this.genesis = at
      return
    }
    if (this.genesis === -1 || !this.dag.isAncestor(this.genesis, at)) {
      refuse('op does not descend from the co-op creation')
    }
    const admin = ROLE_RANK.admin
    switch (b.kind) {
      case 'add-member': {
        if (b.invite === null) {
          if (this.granting(author, at) < admin) refuse('only an admin adds a member directly')
          this.addMember(b.grant, at)
          return
        }
        const inv = b.invite
        const id = hex(inv.id)
        if (!equals(inv.coop, this.coop)) refuse('invite of another co-op', WrongCoopError.code)
        if (!equals(op.author, b.grant.key)) {
          refuse('an invite is used by the joiner', RosterSignatureError.code)
        }
        if (b.grant.role !== inv.role) refuse('the grant role differs from the invite role')
        if (op.time < inv.created || op.time >= inv.expires) {
          refuse('the invite had expired', InviteExpiredError.code)
        }
        const uses = this.invites.get(id) ?? { id: inv.id, uses: 0, revoked: false }
        if (uses.revoked || this.concurrent(`i:${id}`, at).length > 0) {
          refuse('the invite was revoked', InviteRevokedError.code)
        }
        if (uses.uses >= inv.maxUses) refuse('the invite is used up', InviteUsedUpError.code)
        const issuer = this.granting(hex(inv.issuer), at)
        const allowed =
          issuer >= admin ||
          (this.policy.membersInvite && issuer >= ROLE_RANK.member && inv.role !== 'admin')
        if (!allowed) refuse('the issuer may not grant this role', InviteIssuerError.code)
        this.addMember(b.grant, at)
        this.invites.set(id, { ...uses, uses: uses.uses + 1 })
        return
      }
      case 'add-device': {
        const self = equals(op.author, b.member)
        if (this.granting(author, at) < (self ? 0 : admin)) refuse('not allowed to add this device')
        const m = this.row(b.member)
        const dk = hex(b.device.key)
        if (m.devices.size >= this.policy.maxDevices) refuse('the member has the most devices')
        if (this.owner.has(dk) || this.retired.has(dk)) refuse('device taken or removed')
        if (this.concurrent(`d:${dk}`, at).length > 0) refuse('device removed concurrently')
        const peerId = peerIdFromDeviceKey(b.device.key)
        m.devices.set(dk, { key: b.device.key, peerId, label: b.device.label })
        this.owner.set(dk, hex(b.member))
        return
      }
      case 'remove-member': {
        const self = equals(op.author, b.member)
        if (rank(this.roleAt(author, at)) < (self ? 0 : admin)) refuse('only an admin removes')
        const key = hex(b.member)
        const m = this.row(b.member)
        for (const dk of m.devices.keys()) {
          this.owner.delete(dk)
          this.retired.add(dk)
        }
        this.members.delete(key)
        this.removed.set(key, b.member)
        this.record(key, { at, role: null })
        this.restrict(`m:${key}`, { at, role: null })
        return
      }
      case 'remove-device': {
        const dk = hex(b.device)
        const owner = this.owner.get(dk) ?? refuse('not a current device')
        const self = owner === author
        if (rank(this.roleAt(author, at)) < (self ? 0 : admin)) refuse('not allowed to remove it')
        this.members.get(owner)!.devices.delete(dk)
        this.owner.delete(dk)
        this.retired.add(dk)
        this.restrict(`d:${dk}`, { at, role: null })
        return
      }
      case 'change-role': {
        const m = this.row(b.member)
        if (m.role === b.role) refuse('the member already has this role')
        const lowers = ROLE_RANK[b.role] < ROLE_RANK[m.role]
        const authority = lowers ? rank(this.roleAt(author, at)) : this.granting(author, at)
        if (authority < admin) refuse('only an admin changes roles')
        m.role = b.role
        this.record(hex(b.member), { at, role: b.role })
        if (lowers) this.restrict(`m:${hex(b.member)}`, { at, role: b.role })
        return
      }
      case 'change-policy':
        if (this.granting(author, at) < admin) refuse('only an admin changes the policy')
        this.policy = { ...b.policy }
        return
      case 'revoke-invite': {
        if (rank(this.roleAt(author, at)) < admin) refuse('only an admin revokes an invite')
        const id = hex(b.invite)
        const uses = this.invites.get(id) ?? { id: b.invite, uses: 0, revoked: false }
        if (uses.revoked) refuse('the invite is already revoked')
        this.invites.set(id, { ...uses, revoked: true })
        this.restrict(`i:${id}`, { at, role: null })
        return
      }
      case 'rotate-secret':
        if (rank(this.roleAt(author, at)) < admin) refuse('only an admin rotates the secret')
        if (b.epoch <= this.epoch) refuse('the epoch does not advance')
        this.epoch = b.epoch
        this.epochOp = op.id
        return
      case 'set-name':
        if (this.granting(author, at) < 0) refuse('only a member names themself')
        this.row(op.author).name = b.name
        return
    }
  }
}

const byKey = <T extends { key: Uint8Array }>(a: T, b: T): number => compareBytes(a.key, b.key)

/**
 * The roster that a set of ops (signature-checked by decodeOp, in any order, duplicates allowed)
 * defines for the co-op `coop`. Pure and deterministic: the same set gives the same roster.
 */
export function applyOps(coop: Uint8Array, ops: Iterable<RosterOp>): RosterState {
  const dag = orderOps(ops)
  const first = new Pass(coop, dag, new Map()).run()
  const pass = new Pass(coop, dag, first.restrictions).run()
  const members = [...pass.members.values()]
    .map((m) => ({ ...m, devices: [...m.devices.values()].sort(byKey) }))
    .sort(byKey)
  return {
    coop,
    genesis: pass.genesis === -1 ? null : dag.order[pass.genesis]!.id,
    policy: pass.policy,
    epoch: pass.epoch,
    epochOp: pass.epochOp,
    members,
    removed: [...pass.removed.values()].sort(compareBytes),
    invites: [...pass.invites.values()].sort((a, b) => compareBytes(a.id, b.id)),
    heads: [...dag.heads].sort(compareBytes),
    applied: pass.applied.map((i) => dag.order[i]!.id),
    rejected: pass.rejected,
    pending: dag.pending.map((op) => op.id).sort(compareBytes),
  }
}
