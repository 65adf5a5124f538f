import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/core/bytes.ts'
import {
  certifyDevice,
  coopIdFromKey,
  decodeInvite,
  decodeOp,
  ed25519Signer,
  formatCoopId,
  issueInvite,
  memberGrant,
  peerIdFromDeviceKey,
  signOp,
} from '../../src/core/roster/index.ts'

// test/vectors/roster/vectors.json: fixed seeds and the exact bytes an independent decoder must
// accept (docs/FORMAT.md "## Roster"). Regenerate only on a deliberate format change.
interface Vectors {
  seeds: { coop: string; member: string; device: string }
  time: number
  coopId: string
  coopIdText: string
  devicePeerId: string
  create: { id: string; bytes: string }
  invite: { id: string; bytes: string; token: string }
}

const url = new URL('../vectors/roster/vectors.json', import.meta.url)
const v = JSON.parse(readFileSync(url, 'utf8')) as Vectors

function build() {
  const coopKey = ed25519Signer(fromHex(v.seeds.coop))
  const member = ed25519Signer(fromHex(v.seeds.member))
  const device = ed25519Signer(fromHex(v.seeds.device))
  const coop = coopIdFromKey(coopKey.publicKey)
  const cert = certifyDevice(coop, member.publicKey, device, 'laptop')
  const create = signOp({
    coop,
    parents: [],
    author: coopKey,
    time: v.time,
    body: {
      kind: 'create',
      policy: { membersInvite: false, maxDevices: 8 },
      founder: memberGrant(coop, member, 'admin', 'Ada', [cert]),
    },
  })
  const invite = issueInvite({
    coop,
    issuer: member,
    role: 'member',
    heads: [create.id],
    created: v.time,
    expires: v.time + 7 * 86_400_000,
    maxUses: 3,
    id: fromHex(v.invite.id),
  })
  return { coop, device, create, invite }
}

describe('roster test vectors', () => {
  it('rebuilds the vector bytes from the seeds', () => {
    const b = build()
    expect(toHex(b.coop)).toBe(v.coopId)
    expect(formatCoopId(b.coop)).toBe(v.coopIdText)
    expect(peerIdFromDeviceKey(b.device.publicKey)).toBe(v.devicePeerId)
    expect(toHex(b.create.bytes)).toBe(v.create.bytes)
    expect(toHex(b.create.id)).toBe(v.create.id)
    expect(toHex(b.invite.bytes)).toBe(v.invite.bytes)
  })

  it('decodes the vector bytes to what FORMAT.md says they hold', () => {
    const op = decodeOp(fromHex(v.create.bytes))
    expect(toHex(op.id)).toBe(v.create.id)
    expect(op.body.kind).toBe('create')
    if (op.body.kind !== 'create') return
    expect(op.body.founder.name).toBe('Ada')
    expect(op.body.founder.role).toBe('admin')
    const invite = decodeInvite(fromHex(v.invite.bytes))
    expect(invite.maxUses).toBe(3)
    expect(toHex(invite.heads[0]!)).toBe(v.create.id)
  })
})
