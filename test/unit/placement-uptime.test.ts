import { describe, expect, it } from 'vitest'
import { fileAvailability } from '../../src/core/availability/index.ts'
import {
  chooseShardCount,
  InvalidCandidateError,
  InvalidCodeShapeError,
  memberCap,
  placeByUptime,
  planShardCounts,
  type UptimeCandidate,
} from '../../src/core/placement/index.ts'

const key = new Uint8Array([1, 2, 3])
function coop(keepers: number, members: number, memberUptime: number): UptimeCandidate[] {
  return [
    ...Array.from({ length: keepers }, (_, i) => ({
      peerId: `k${i}`,
      member: `k${i}`,
      free: 1e9,
      uptime: 0.99,
    })),
    ...Array.from({ length: members }, (_, i) => ({
      peerId: `m${i}`,
      member: `m${i}`,
      free: 1e9,
      uptime: memberUptime,
    })),
  ]
}
const perMember = (
  assignments: Array<string | undefined>,
  of: (p: string) => string = (p) => p,
) => {
  const c = new Map<string, number>()
  for (const a of assignments) if (a !== undefined) c.set(of(a), (c.get(of(a)) ?? 0) + 1)
  return c
}

describe('memberCap and planShardCounts', () => {
  it('caps at ⌊(n − k) / 2⌋, more with few members, never above n − k', () => {
    expect(memberCap(4, 12, 12)).toBe(4)
    expect(memberCap(4, 8, 20)).toBe(2)
    expect(memberCap(4, 8, 2)).toBe(4)
    expect(memberCap(4, 8, 1)).toBe(4)
    expect(memberCap(4, 5, 10)).toBe(1)
  })
  it('spreads one per member when all are alike', () => {
    const plan = planShardCounts(4, 8, new Array<number>(12).fill(0.5), 0.5)
    expect(plan.counts.filter((c) => c === 1)).toHaveLength(8)
  })
  it('piles onto keepers when a few are always on', () => {
    const plan = planShardCounts(4, 12, [0.99, 0.99, ...new Array<number>(10).fill(0.3)])
    expect(plan.counts.slice(0, 2)).toEqual([4, 4])
    expect(plan.probability).toBeGreaterThanOrEqual(0.999)
  })
})

describe('chooseShardCount', () => {
  it('reaches 99.9 % with 2 keepers and 10 members at 30 %, within 3×', () => {
    const r = chooseShardCount(4, [0.99, 0.99, ...new Array<number>(10).fill(0.3)])
    expect(r.reachesTarget).toBe(true)
    expect(r.n).toBeLessThanOrEqual(12)
  })
  it('reports an unreachable target instead of claiming it', () => {
    const r = chooseShardCount(4, new Array<number>(10).fill(0.3))
    expect(r.reachesTarget).toBe(false)
    expect(r.probability).toBeLessThan(0.999)
    expect(r.n).toBeLessThanOrEqual(12)
    expect(chooseShardCount(4, []).reachesTarget).toBe(false)
  })
  it('all keepers: the smallest n already suffices', () => {
    expect(chooseShardCount(4, [1, 1, 1, 1, 1, 1]).n).toBe(5)
    expect(() => chooseShardCount(4, [1], 0.999, 1)).toThrow(InvalidCodeShapeError)
  })
})

describe('placeByUptime', () => {
  it('prefers keepers, spreads the rest over distinct members, and reaches the target', () => {
    const r = placeByUptime({ k: 4, n: 12, key, candidates: coop(2, 10, 0.3) })
    const c = perMember(r.assignments)
    expect(c.get('k0')).toBe(4)
    expect(c.get('k1')).toBe(4)
    expect([...c.entries()].filter(([m]) => m.startsWith('m')).every(([, v]) => v === 1)).toBe(true)
    expect(r.safe).toBe(true)
    expect(r.reachesTarget).toBe(true)
    expect(r.maxPerMember).toBe(4)
  })
  it('says so when the target is out of reach', () => {
    const r = placeByUptime({ k: 4, n: 12, key, candidates: coop(0, 10, 0.3) })
    expect(r.reachesTarget).toBe(false)
    expect(r.safe).toBe(true)
    expect(r.probability).toBeLessThan(0.999)
  })
  it('its figure is the one fileAvailability gives for the result', () => {
    const candidates = coop(1, 6, 0.4)
    const r = placeByUptime({ k: 3, n: 6, key, candidates })
    const uptime = Object.fromEntries(candidates.map((c) => [c.peerId, c.uptime]))
    const stripes = [r.assignments.map((a) => [a!])]
    expect(r.probability).toBe(fileAvailability({ k: 3, stripes, uptime }).probability)
  })
  it('counts a member with several devices once and spreads its shards over its devices by room', () => {
    const candidates: UptimeCandidate[] = [
      { peerId: 'a-phone', member: 'alice', free: 1e6, uptime: 0.99 },
      { peerId: 'a-laptop', member: 'alice', free: 2e6, uptime: 0.99 },
      ...coop(0, 8, 0.5),
    ]
    const r = placeByUptime({ k: 4, n: 8, key, candidates, shardSize: 1e6 })
    const byMember = perMember(r.assignments, (p) => (p.startsWith('a-') ? 'alice' : p))
    expect(byMember.get('alice')).toBeLessThanOrEqual(memberCap(4, 8, 9))
    const devices = perMember(r.assignments)
    expect(devices.get('a-laptop') ?? 0).toBeGreaterThanOrEqual(devices.get('a-phone') ?? 0)
  })
  it('keeps fixed shards and places only what is missing', () => {
    const candidates = coop(2, 10, 0.3)
    const first = placeByUptime({ k: 4, n: 12, key, candidates })
    const lost = first.assignments.map((a) => (a === 'k0' ? undefined : a))
    const replaced = candidates
      .filter((c) => c.peerId !== 'k0')
      .concat({ peerId: 'k2', member: 'k2', free: 1e9, uptime: 0.99 })
    const r = placeByUptime({ k: 4, n: 12, key, candidates: replaced, fixed: lost })
    r.assignments.forEach((a, i) => {
      if (lost[i] !== undefined) expect(a).toBe(lost[i])
      else expect(a).toBe('k2')
    })
  })
  it('with too few members places what the cap allows and is not safe; k = n − 1 shape', () => {
    const r = placeByUptime({ k: 4, n: 8, key, candidates: coop(0, 1, 0.9) })
    expect(r.assignments.filter((a) => a !== undefined)).toHaveLength(4)
    expect(r.safe).toBe(false)
    const tight = placeByUptime({ k: 4, n: 5, key, candidates: coop(0, 5, 0.9) })
    expect(tight.maxPerMember).toBe(1)
    expect(placeByUptime({ k: 2, n: 3, key, candidates: [] }).probability).toBe(0)
  })
  it('zero uptime and full devices are handled', () => {
    const candidates = coop(0, 6, 0).concat({ peerId: 'full', member: 'full', free: 0, uptime: 1 })
    const r = placeByUptime({ k: 2, n: 4, key, candidates })
    expect(r.assignments).not.toContain('full')
    expect(r.probability).toBe(0)
    expect(r.reachesTarget).toBe(false)
  })
  it('is deterministic whatever the candidate order, and refuses bad input', () => {
    const c = coop(0, 12, 0.5)
    const a = placeByUptime({ k: 4, n: 8, key, candidates: c })
    const b = placeByUptime({ k: 4, n: 8, key, candidates: [...c].reverse() })
    expect(b.assignments).toEqual(a.assignments)
    expect(() =>
      placeByUptime({
        k: 4,
        n: 8,
        key,
        candidates: [{ peerId: 'x', member: '', free: 1, uptime: 0 }],
      }),
    ).toThrow(InvalidCandidateError)
    expect(() => placeByUptime({ k: 4, n: 8, key, candidates: c, fixed: [] })).toThrow(
      InvalidCodeShapeError,
    )
  })
})
