import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/core/bytes.ts'
import {
  acceptInvite,
  certifyDevice,
  createCoop,
  decodeOp,
  issueInvite,
  MAX_PARENTS,
  memberByKey,
  Roster,
  RosterDataTooLargeError,
  RosterError,
  RosterSignatureError,
  signOp,
  type Invite,
  type OpBody,
  type RosterOp,
  type Signer,
} from '../../src/core/roster/index.ts'
import { grantBody, pick, rng, shuffle, signerFrom, snapshot } from './roster-helpers.ts'

// 80 runs × 125 steps = 10,000 random and adversarial operations across simulated members
// that each see a different, partial, reordered subset of the ops until the final full delivery.
const RUNS = Number(process.env.ROSTER_RUNS ?? 80)
const STEPS = 125
const T0 = 1_800_000_000_000

interface Actor {
  member: Signer
  device: Signer
  roster: Roster
  /** Ops this actor has not received yet, by index into the network log. */
  next: number
}

interface Tally {
  forged: number
  outsider: number
  oversized: number
  replays: number
  expired: number
  overUse: number
  removals: number
}

function simulate(seed: number, tally: Tally): void {
  const rand = rng(seed)
  let keyNo = seed * 1000 + 1
  const fresh = () => signerFrom(keyNo++)
  let clock = T0
  const founder = fresh()
  const created = createCoop({ founderName: 'F', device: founder, deviceLabel: 'l', time: clock })
  const coop = created.coop
  const network: RosterOp[] = [created.op]
  const outsiderKeys = new Set<string>()
  const actors: Actor[] = [
    { member: created.member, device: founder, roster: new Roster({ coop }), next: 1 },
  ]
  actors[0]!.roster.add(created.op)
  const invites: Invite[] = []

  const deliver = (a: Actor, all: boolean) => {
    const upto = all ? network.length : a.next + Math.floor(rand() * (network.length - a.next + 1))
    for (const o of shuffle(rand, network.slice(a.next, upto))) a.roster.add(o)
    a.next = upto
  }
  const publish = (a: Actor, o: RosterOp) => {
    a.roster.add(o)
    network.push(o)
  }
  const heads = (a: Actor) => {
    // More heads than an op may name (MAX_PARENTS) get merged over the following ops.
    const h = a.roster.state.heads.slice(0, MAX_PARENTS)
    // Sometimes an actor names a stale subset of its heads: still valid, more concurrency.
    return rand() < 0.2 && h.length > 1 ? h.slice(0, 1) : h
  }

  for (let step = 0; step < STEPS; step++) {
    clock += Math.floor(rand() * 2000)
    const a = pick(rand, actors)
    deliver(a, rand() < 0.3)
    const state = a.roster.state
    const me = memberByKey(state, a.member.publicKey)
    const others = state.members.filter((m) => toHex(m.key) !== toHex(a.member.publicKey))
    const sign = (body: OpBody, author = a.member, time = clock) =>
      signOp({ coop, parents: heads(a), author, time, body })
    const roll = rand()
    if (roll < 0.06) {
      // Forged: one flipped bit anywhere in a real op; it must never decode.
      // A copy: encoded ops may be Node Buffers, whose slice() shares memory.
      const victim = Uint8Array.from(pick(rand, network).bytes)
      victim[Math.floor(rand() * victim.length)]! ^= 1 << Math.floor(rand() * 8)
      expect(() => decodeOp(victim)).toThrow(RosterError)
      tally.forged++
    } else if (roll < 0.1) {
      // An outsider (or a member) signs admin ops with its own key: kept, never applied.
      const outsider = fresh()
      outsiderKeys.add(toHex(outsider.publicKey))
      const target = pick(rand, [...state.members, { key: fresh().publicKey }])
      const body: OpBody = pick(rand, [
        { kind: 'remove-member', member: target.key },
        grantBody(coop, fresh(), fresh(), 'admin'),
        { kind: 'rotate-secret', epoch: state.epoch + 1 },
      ] as OpBody[])
      publish(a, sign(body, outsider))
      tally.outsider++
    } else if (roll < 0.13) {
      // Oversized: too big to sign, and too big to decode when built by hand.
      expect(() => sign({ kind: 'set-name', name: 'x'.repeat(5000) })).toThrow(RosterError)
      const big = dagCbor.encode({ v: 1, pad: new Uint8Array(5000) })
      expect(() => decodeOp(big)).toThrow(RosterDataTooLargeError)
      tally.oversized++
    } else if (roll < 0.18) {
      const o = pick(rand, network)
      const had = a.roster.has(o.id)
      expect(a.roster.add(o.bytes)).toBe(!had)
      network.push(o)
      tally.replays++
    } else if (roll < 0.26 && me?.role === 'admin') {
      invites.push(
        issueInvite({
          coop,
          issuer: a.member,
          role: pick(rand, ['member', 'member', 'keeper', 'admin'] as const),
          heads: state.heads.slice(0, MAX_PARENTS),
          created: clock,
          expires: clock + 1 + Math.floor(rand() * 20_000),
          maxUses: 1 + Math.floor(rand() * 2),
        }),
      )
    } else if (roll < 0.36 && invites.length > 0) {
      // A newcomer joins with an invite the first actor's copy of the log knows of.
      const inv = pick(rand, invites)
      const joiner: Actor = {
        member: fresh(),
        device: fresh(),
        roster: new Roster({ coop }),
        next: 0,
      }
      deliver(joiner, true)
      const when = clock >= inv.expires ? inv.expires - 1 : clock
      let join = acceptInvite({ ...joiner, invite: inv, name: 'J', deviceLabel: 'p', time: when })
      if (rand() < 0.2) {
        // Post-expiry use, signed by hand: the roster must reject it.
        join = signOp({
          coop,
          parents: inv.heads,
          author: joiner.member,
          time: inv.expires,
          body: join.body,
        })
        tally.expired++
      }
      if (inv.maxUses === 1) tally.overUse++
      publish(joiner, join)
      actors.push(joiner)
    } else if (me !== undefined && others.length > 0) {
      const target = pick(rand, others)
      const body: OpBody = pick(rand, [
        { kind: 'remove-member', member: target.key },
        {
          kind: 'change-role',
          member: target.key,
          role: pick(rand, ['admin', 'member', 'keeper'] as const),
        },
        { kind: 'rotate-secret', epoch: state.epoch + 1 },
        { kind: 'set-name', name: `n${step}` },
        {
          kind: 'change-policy',
          policy: { membersInvite: rand() < 0.5, maxDevices: 1 + Math.floor(rand() * 4) },
        },
        {
          kind: 'add-device',
          member: a.member.publicKey,
          device: certifyDevice(coop, a.member.publicKey, fresh(), 'd'),
        },
        {
          kind: 'remove-device',
          device: pick(rand, [...me.devices, ...target.devices, { key: fresh().publicKey }]).key,
        },
      ] as OpBody[])
      if (body.kind === 'remove-member') tally.removals++
      publish(a, sign(body))
    } else {
      // A removed or not-yet-admitted actor keeps signing on its stale view.
      publish(a, sign({ kind: 'set-name', name: `stale${step}` }))
    }
  }

  // Everyone finally receives everything, each in its own order.
  for (const a of actors) deliver(a, true)
  const want = snapshot(actors[0]!.roster.state)
  for (const a of actors) expect(snapshot(a.roster.state)).toBe(want)
  const batch = new Roster({ coop })
  for (const o of shuffle(rand, network)) batch.add(o)
  expect(snapshot(batch.state)).toBe(want)

  const final = batch.state
  expect(final.pending).toEqual([])
  const applied = new Set(final.applied.map(toHex))
  const byId = new Map(network.map((o) => [toHex(o.id), o]))
  for (const id of applied) {
    const o = byId.get(id)!
    // An outsider's key never got an op applied, except joining as itself by invite.
    if (outsiderKeys.has(toHex(o.author))) expect(o.body.kind).toBe('add-member')
  }
  const removed = new Set(final.removed.map(toHex))
  for (const m of final.members) {
    expect(outsiderKeys.has(toHex(m.key))).toBe(false)
    expect(removed.has(toHex(m.key))).toBe(false)
    expect(m.devices.length).toBeLessThanOrEqual(64)
  }
  for (const inv of invites) {
    const uses = final.invites.find((u) => toHex(u.id) === toHex(inv.id))?.uses ?? 0
    expect(uses).toBeLessThanOrEqual(inv.maxUses)
  }
  for (const o of network) {
    if (o.body.kind === 'add-member' && o.body.invite !== null && o.time >= o.body.invite.expires) {
      expect(applied.has(toHex(o.id))).toBe(false)
    }
  }
  expect(() => decodeOp(network[1]?.bytes.slice(0, 10) ?? new Uint8Array())).toThrow(RosterError)
}

describe('roster property', () => {
  it('10,000 random and adversarial ops: every member converges, no forged op applies', () => {
    const tally: Tally = {
      forged: 0,
      outsider: 0,
      oversized: 0,
      replays: 0,
      expired: 0,
      overUse: 0,
      removals: 0,
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => simulate(seed, tally)),
      { numRuns: RUNS },
    )
    // The adversarial kinds each happened often enough to mean something.
    for (const [kind, n] of Object.entries(tally)) expect(n, kind).toBeGreaterThan(RUNS)
    expect(RosterSignatureError.code).toBe('ERR_ROSTER_SIGNATURE')
  }, 600_000)
})
