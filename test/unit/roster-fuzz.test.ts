import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  acceptInvite,
  createCoop,
  decodeInvite,
  deviceKeyFromPeerId,
  formatCoopId,
  formatInvite,
  issueInvite,
  parseCoopId,
  parseInvite,
  peerIdFromDeviceKey,
  Roster,
  RosterError,
} from '../../src/core/roster/index.ts'
import { signerFrom } from './roster-helpers.ts'

const RUNS = 10_000
const T0 = 1_800_000_000_000

const coop = createCoop({ founderName: 'Ada', device: signerFrom(1), deviceLabel: 'l', time: T0 })
const invite = issueInvite({
  coop: coop.coop,
  issuer: coop.member,
  role: 'member',
  heads: [coop.op.id],
  created: T0,
  expires: T0 + 1000,
  maxUses: 2,
})
const join = acceptInvite({
  invite,
  member: signerFrom(2),
  name: 'Bo',
  device: signerFrom(3),
  deviceLabel: 'p',
  time: T0 + 1,
})
const validOps = [coop.op.bytes, join.bytes]

/** Edits of a valid encoding: byte sets, cuts, insertions and deletions at chosen places. */
const edit = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('set', 'cut', 'insert', 'delete'),
  data: fc.uint8Array({ minLength: 1, maxLength: 8 }),
})
function mutate(base: Uint8Array, edits: { at: number; kind: string; data: Uint8Array }[]) {
  let out = base
  for (const e of edits) {
    const at = e.at % (out.length + 1)
    if (e.kind === 'set' && at < out.length) {
      out = Uint8Array.from(out)
      out[at] = e.data[0]!
    } else if (e.kind === 'cut') out = out.slice(0, at)
    else if (e.kind === 'insert')
      out = Uint8Array.from([...out.subarray(0, at), ...e.data, ...out.subarray(at)])
    else out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + e.data.length)])
  }
  return out
}

/** Malformed input: mutations of valid bytes, random bytes, and well-formed CBOR of the wrong shape. */
function malformed(valid: Uint8Array[]) {
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...valid), fc.array(edit, { minLength: 1, maxLength: 4 }))
      .map(([b, e]) => mutate(b, e)),
    fc.uint8Array({ maxLength: 5000 }),
    fc
      .jsonValue()
      .map((v) => dagCbor.encode({ v: 1, kind: 'add-member', body: v, coop: coop.coop })),
  )
}

function mustRefuse(valid: Uint8Array[], data: Uint8Array, decode: (d: Uint8Array) => unknown) {
  if (valid.some((v) => v.length === data.length && v.every((b, i) => b === data[i]))) return
  expect(() => decode(data)).toThrow(RosterError)
}

describe('roster decoders under fuzzing', () => {
  it('decodeOp refuses 10,000 malformed ops with a typed error; the roster keeps working', () => {
    const roster = new Roster({ coop: coop.coop })
    fc.assert(
      fc.property(malformed(validOps), (data) => {
        mustRefuse(validOps, data, (d) => roster.add(d))
      }),
      { numRuns: RUNS },
    )
    expect(roster.size).toBe(0)
    for (const b of validOps) roster.add(b)
    expect(roster.state.members.map((m) => m.name).sort()).toEqual(['Ada', 'Bo'])
  })

  it('decodeInvite and parseInvite refuse 10,000 malformed invites each', () => {
    fc.assert(
      fc.property(malformed([invite.bytes]), (data) => {
        mustRefuse([invite.bytes], data, decodeInvite)
      }),
      { numRuns: RUNS },
    )
    const token = formatInvite(invite)
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.nat(token.length), fc.string({ maxLength: 4 }))
            .map(([i, s]) => token.slice(0, i) + s + token.slice(i + 1)),
          fc.string({ maxLength: 2000 }),
        ),
        (text) => {
          if (text !== token) expect(() => parseInvite(text)).toThrow(RosterError)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('co-op ids and peer ids: 10,000 malformed strings are refused or round-trip exactly', () => {
    const id = formatCoopId(coop.coop)
    const peer = peerIdFromDeviceKey(signerFrom(5).publicKey)
    const edits = (base: string) =>
      fc.oneof(
        fc
          .tuple(fc.nat(base.length), fc.string({ maxLength: 3 }))
          .map(([i, s]) => base.slice(0, i) + s + base.slice(i + 1)),
        fc.string({ maxLength: 100 }),
      )
    fc.assert(
      fc.property(edits(id), edits(peer), (a, b) => {
        try {
          expect(formatCoopId(parseCoopId(a))).toBe(a)
        } catch (err) {
          expect(err).toBeInstanceOf(RosterError)
        }
        try {
          expect(peerIdFromDeviceKey(deviceKeyFromPeerId(b))).toBe(b)
        } catch (err) {
          expect(err).toBeInstanceOf(RosterError)
        }
      }),
      { numRuns: RUNS },
    )
  })
})
