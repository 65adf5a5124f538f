import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/core/bytes.ts'
import {
  acceptInvite,
  certifyDevice,
  RosterSignatureError,
  checkInviteUsable,
  createCoop,
  decodeInvite,
  deviceKeyFromPeerId,
  ed25519Signer,
  formatCoopId,
  InviteExpiredError,
  InviteIssuerError,
  InviteRevokedError,
  InviteSignatureError,
  InviteUsedUpError,
  issueInvite,
  memberOfPeer,
  migrateCoop,
  parseCoopId,
  parseInvite,
  formatInvite,
  peerIdFromDeviceKey,
  Roster,
  signOp,
  WrongCoopError,
} from '../../src/core/roster/index.ts'
import {
  grantBody,
  memberKeys,
  op,
  shuffle,
  rng,
  signerFrom,
  snapshot,
  stateOf,
} from './roster-helpers.ts'

const T0 = 1_800_000_000_000
const DAY = 86_400_000

function founded() {
  const device = signerFrom(1)
  const c = createCoop({ founderName: 'Ada', device, deviceLabel: 'laptop', time: T0 })
  return { ...c, device }
}

describe('roster', () => {
  it('creates a co-op whose founder device is an admin, and names the co-op by its key', () => {
    const c = founded()
    const state = stateOf(c.coop, [c.op])
    expect(state.members).toHaveLength(1)
    expect(state.members[0]!.role).toBe('admin')
    expect(state.members[0]!.name).toBe('Ada')
    expect(memberOfPeer(state, peerIdFromDeviceKey(c.device.publicKey))?.name).toBe('Ada')
    expect(memberOfPeer(state, peerIdFromDeviceKey(signerFrom(2).publicKey))).toBeUndefined()
    expect(parseCoopId(formatCoopId(c.coop))).toEqual(c.coop)
    expect(formatCoopId(c.coop)).toMatch(/^b[a-z2-7]{55}$/)
  })

  it('converts device keys to the peer ids libp2p gives the same Ed25519 key', async () => {
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key).toString()
    expect(peerIdFromDeviceKey(key.publicKey.raw)).toBe(peerId)
    expect(deviceKeyFromPeerId(peerId)).toEqual(key.publicKey.raw)
    expect(ed25519Signer(key.raw.subarray(0, 32)).publicKey).toEqual(key.publicKey.raw)
  })

  it('lets a joiner in with an invite while every admin is offline, counting its uses', () => {
    const c = founded()
    const invite = issueInvite({
      coop: c.coop,
      issuer: c.member,
      role: 'member',
      heads: [c.op.id],
      created: T0,
      expires: T0 + DAY,
      maxUses: 1,
    })
    const received = parseInvite(formatInvite(invite))
    const joinA = acceptInvite({
      invite: received,
      member: signerFrom(10),
      name: 'Bo',
      device: signerFrom(11),
      deviceLabel: 'phone',
      time: T0 + 1000,
    })
    // A member that is not the admin applies the join from the op alone.
    const peer = new Roster({ coop: c.coop })
    peer.add(c.op.bytes)
    peer.add(joinA.bytes)
    expect(peer.state.members.map((m) => m.name).sort()).toEqual(['Ada', 'Bo'])
    expect(memberOfPeer(peer.state, peerIdFromDeviceKey(signerFrom(11).publicKey))?.name).toBe('Bo')
    expect(() => checkInviteUsable(peer.state, received, T0 + 2000)).toThrow(InviteUsedUpError)

    // Two joiners used the one-use invite concurrently: exactly one gets in, on every peer.
    const joinB = acceptInvite({
      invite: received,
      member: signerFrom(20),
      name: 'Cy',
      device: signerFrom(21),
      deviceLabel: 'phone',
      time: T0 + 1000,
    })
    const a = stateOf(c.coop, [c.op, joinA, joinB])
    const b = stateOf(c.coop, [joinB, joinA, c.op])
    expect(snapshot(a)).toBe(snapshot(b))
    expect(a.members).toHaveLength(2)
    expect(a.rejected.map((r) => r.code)).toEqual([InviteUsedUpError.code])
  })

  it('refuses expired, revoked, forged and foreign invites, saying which', () => {
    const c = founded()
    const base = {
      coop: c.coop,
      issuer: c.member,
      role: 'member' as const,
      heads: [c.op.id],
      created: T0,
      expires: T0 + DAY,
      maxUses: 5,
    }
    const invite = issueInvite(base)
    const join = {
      invite,
      member: signerFrom(10),
      name: 'Bo',
      device: signerFrom(11),
      deviceLabel: 'phone',
    }
    expect(() => acceptInvite({ ...join, time: T0 + DAY })).toThrow(InviteExpiredError)
    // Signed by hand with a late time, the op is rejected by the roster with the expiry code.
    const late = signOp({
      coop: c.coop,
      parents: [c.op.id],
      author: join.member,
      time: T0 + DAY + 1,
      body: acceptInvite({ ...join, time: T0 + 5 }).body,
    })
    expect(stateOf(c.coop, [c.op, late]).rejected[0]!.code).toBe(InviteExpiredError.code)

    const revoke = op(c.coop, c.member, [c.op.id], T0 + 10, {
      kind: 'revoke-invite',
      invite: invite.id,
    })
    const afterRevoke = stateOf(c.coop, [c.op, revoke])
    expect(() => checkInviteUsable(afterRevoke, invite, T0 + 20)).toThrow(InviteRevokedError)
    // A use concurrent with the revocation loses (restrictions win over concurrent grants).
    const used = acceptInvite({ ...join, time: T0 + 20 })
    const both = stateOf(c.coop, [c.op, revoke, used])
    expect(both.members).toHaveLength(1)
    expect(both.rejected.map((r) => r.code)).toEqual([InviteRevokedError.code])

    const tampered = Uint8Array.from(invite.bytes)
    tampered[tampered.length - 1]! ^= 1
    expect(() => decodeInvite(tampered)).toThrow(InviteSignatureError)
    const other = createCoop({ founderName: 'X', device: signerFrom(3), deviceLabel: '', time: T0 })
    expect(() => checkInviteUsable(stateOf(other.coop, [other.op]), invite, T0)).toThrow(
      InviteSignatureError,
    )
    const byStranger = issueInvite({ ...base, issuer: signerFrom(99) })
    expect(() => checkInviteUsable(afterRevoke, byStranger, T0)).toThrow(InviteIssuerError)
    const r = new Roster({ coop: other.coop })
    expect(() => r.add(c.op.bytes)).toThrow(WrongCoopError)
  })

  it('keeps both removals when two admins remove each other concurrently', () => {
    const c = founded()
    const bob = signerFrom(10)
    const addBob = op(
      c.coop,
      c.member,
      [c.op.id],
      T0 + 1,
      grantBody(c.coop, bob, signerFrom(11), 'admin'),
    )
    const carol = signerFrom(20)
    const addCarol = op(
      c.coop,
      c.member,
      [addBob.id],
      T0 + 2,
      grantBody(c.coop, carol, signerFrom(21), 'member'),
    )
    const bobRemovesAda = op(c.coop, bob, [addCarol.id], T0 + 3, {
      kind: 'remove-member',
      member: c.member.publicKey,
    })
    const adaRemovesBob = op(c.coop, c.member, [addCarol.id], T0 + 3, {
      kind: 'remove-member',
      member: bob.publicKey,
    })
    // Concurrent with its author's removal, a grant by Bob has no effect.
    const bobPromotes = op(c.coop, bob, [addCarol.id], T0 + 3, {
      kind: 'change-role',
      member: carol.publicKey,
      role: 'admin',
    })
    const all = [c.op, addBob, addCarol, bobRemovesAda, adaRemovesBob, bobPromotes]
    const want = snapshot(stateOf(c.coop, all))
    const r = rng(7)
    for (let i = 0; i < 20; i++) expect(snapshot(stateOf(c.coop, shuffle(r, all)))).toBe(want)
    const state = stateOf(c.coop, all)
    expect(memberKeys(state)).toEqual([toHex(carol.publicKey)])
    expect(state.members[0]!.role).toBe('member')
    // An op Bob signs after seeing his own removal is refused.
    const late = op(c.coop, bob, [adaRemovesBob.id], T0 + 4, { kind: 'rotate-secret', epoch: 1 })
    const after = stateOf(c.coop, [...all, late])
    expect(after.epoch).toBe(0)
    expect(after.rejected.some((x) => toHex(x.id) === toHex(late.id))).toBe(true)
  })

  it('lets a member revoke a lost device from another device, and never re-adds it', () => {
    const c = founded()
    const phone = signerFrom(2)
    const body = (proof?: Uint8Array) => {
      const cert = certifyDevice(c.coop, c.member.publicKey, phone, 'phone')
      return {
        kind: 'add-device' as const,
        member: c.member.publicKey,
        device: { ...cert, proof: proof ?? cert.proof },
      }
    }
    expect(() => op(c.coop, c.member, [c.op.id], T0 + 1, body(new Uint8Array(64)))).toThrow(
      RosterSignatureError,
    )
    const addPhone = op(c.coop, c.member, [c.op.id], T0 + 1, body())
    // Lost: the laptop (same member key) removes the phone; the phone's peer id stops counting.
    const drop = op(c.coop, c.member, [addPhone.id], T0 + 2, {
      kind: 'remove-device',
      device: phone.publicKey,
    })
    const again = op(c.coop, c.member, [drop.id], T0 + 3, body())
    const state = stateOf(c.coop, [c.op, addPhone, drop, again])
    expect(memberOfPeer(state, peerIdFromDeviceKey(phone.publicKey))).toBeUndefined()
    expect(memberOfPeer(state, peerIdFromDeviceKey(c.device.publicKey))?.name).toBe('Ada')
    expect(state.rejected.map((r) => toHex(r.id))).toEqual([toHex(again.id)])
  })

  it('migrates a co-op of today: the founder is the first admin, holders get an offer', () => {
    const m = migrateCoop({
      founderName: 'Ada',
      device: signerFrom(1),
      deviceLabel: 'laptop',
      time: T0,
      holders: 2,
      offerMs: 7 * DAY,
    })
    const s = stateOf(m.coop, [m.op])
    expect(s.members[0]!.role).toBe('admin')
    expect(m.offer!.maxUses).toBe(2)
    expect(() => checkInviteUsable(s, m.offer!, T0 + 1)).not.toThrow()
  })
})
