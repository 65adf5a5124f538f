import { describe, expect, it } from 'vitest'
import {
  adviseAvailability,
  fileAvailability,
  InvalidAvailabilityInputError,
  readableNow,
} from '../../src/core/availability/index.ts'

/** One stripe, shard i on holders[i]. */
const one = (...holders: string[]): string[][][] => [holders.map((h) => [h])]

/** P(Binomial(n, p) ≥ k), straight from the formula. */
function binomialAtLeast(n: number, p: number, k: number): number {
  let sum = 0
  for (let j = k; j <= n; j++) {
    let c = 1
    for (let i = 0; i < j; i++) c = (c * (n - i)) / (i + 1)
    sum += c * p ** j * (1 - p) ** (n - j)
  }
  return sum
}

/** Brute force over every online/offline combination of members (small cases only). */
function brute(k: number, stripes: string[][][], uptime: Record<string, number>): number {
  const ids = Object.keys(uptime)
  let total = 0
  for (let mask = 0; mask < 1 << ids.length; mask++) {
    let p = 1
    const on = new Set<string>()
    ids.forEach((id, i) => {
      const up = (mask >> i) & 1
      p *= up ? uptime[id]! : 1 - uptime[id]!
      if (up) on.add(id)
    })
    if (readableNow(k, stripes, on).readable) total += p
  }
  return total
}

describe('fileAvailability', () => {
  it('matches the binomial formula for one shard per member', () => {
    const ids = Array.from({ length: 8 }, (_, i) => `m${i}`)
    const uptime = Object.fromEntries(ids.map((id) => [id, 0.3]))
    const got = fileAvailability({ k: 4, stripes: one(...ids), uptime })
    expect(got.exact).toBe(true)
    expect(got.probability).toBeCloseTo(binomialAtLeast(8, 0.3, 4), 12)
  })
  it('k = n needs every holder', () => {
    const r = fileAvailability({
      k: 3,
      stripes: one('a', 'b', 'c'),
      uptime: { a: 0.5, b: 0.5, c: 0.5 },
    })
    expect(r.probability).toBeCloseTo(0.125, 12)
  })
  it('treats a member with several devices as one failure domain, as reachable as its best device', () => {
    const r = fileAvailability({
      k: 2,
      stripes: one('phone', 'laptop', 'b'),
      uptime: { phone: 0.2, laptop: 0.6, b: 0.5 },
      memberOf: { phone: 'alice', laptop: 'alice' },
    })
    // Alice alone (two shards) is enough: P = 0.6.
    expect(r.probability).toBeCloseTo(0.6, 12)
  })
  it('is 0 with zero uptime, 1 with all keepers always on, 0 with a shard missing past k', () => {
    expect(
      fileAvailability({ k: 1, stripes: one('a', 'b'), uptime: { a: 0, b: 0 } }).probability,
    ).toBe(0)
    expect(
      fileAvailability({ k: 2, stripes: one('k1', 'k2', 'k3'), uptime: { k1: 1, k2: 1, k3: 1 } })
        .probability,
    ).toBe(1)
    expect(
      fileAvailability({ k: 2, stripes: [[['a'], [], []]], uptime: { a: 1 } }).probability,
    ).toBe(0)
    expect(fileAvailability({ k: 2, stripes: [], uptime: {} }).probability).toBe(1)
  })
  it('keeps stripes that share members correlated, as brute force does', () => {
    const uptime = { a: 0.9, b: 0.5, c: 0.3, d: 0.7, e: 0.2 }
    const stripes = [
      [['a'], ['b'], ['c'], ['d']],
      [['b'], ['c'], ['d'], ['e']],
      [['a'], ['e'], ['c'], ['b']],
    ]
    const r = fileAvailability({ k: 2, stripes, uptime })
    expect(r.exact).toBe(true)
    expect(r.probability).toBeCloseTo(brute(2, stripes, uptime), 12)
  })
  it('credits a shard with two holders to the better one only: a lower bound', () => {
    const uptime = { a: 0.9, b: 0.5, e: 0.2 }
    const stripes = [[['a', 'e'], ['b'], ['e']]]
    const r = fileAvailability({ k: 2, stripes, uptime })
    expect(r.probability).toBeLessThanOrEqual(brute(2, stripes, uptime))
    expect(r.probability).toBeCloseTo(0.9 * 0.5 + 0.9 * 0.5 * 0.2 + 0.1 * 0.5 * 0.2, 12)
  })
  it('falls back to a lower bound when stripes diverge too much', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`)
    const uptime = Object.fromEntries(ids.map((id, i) => [id, 0.3 + (i % 7) / 10]))
    // 40 stripes, each on a different rotation of the members: too many joint states.
    const stripes = ids.map((_, s) =>
      Array.from({ length: 12 }, (_, j) => [ids[(s * 7 + j * 3) % 40]!]),
    )
    const r = fileAvailability({ k: 6, stripes, uptime })
    expect(r.exact).toBe(false)
    expect(r.probability).toBeGreaterThanOrEqual(0)
    expect(r.probability).toBeLessThanOrEqual(1)
  })
  it('refuses bad input', () => {
    expect(() => fileAvailability({ k: 0, stripes: [], uptime: {} })).toThrow(
      InvalidAvailabilityInputError,
    )
    expect(() => fileAvailability({ k: 1, stripes: one('a'), uptime: { a: 1.5 } })).toThrow(
      InvalidAvailabilityInputError,
    )
  })
})

describe('readableNow', () => {
  it('needs k online holders in every stripe', () => {
    const stripes = [
      [['a'], ['b'], ['c']],
      [['a'], ['c', 'd'], ['e']],
    ]
    expect(readableNow(2, stripes, new Set(['a', 'b']))).toEqual({
      readable: false,
      worstStripe: 1,
    })
    expect(readableNow(2, stripes, new Set(['a', 'c']))).toEqual({ readable: true, worstStripe: 2 })
    expect(readableNow(2, [], new Set())).toEqual({ readable: true, worstStripe: 0 })
  })
})

describe('adviseAvailability', () => {
  const members = Array.from({ length: 8 }, (_, i) => `m${i}`)
  const low = Object.fromEntries(members.map((m) => [m, 0.3]))
  it('says safe when the target is met', () => {
    const uptime = Object.fromEntries(members.map((m) => [m, 0.99]))
    const [a] = adviseAvailability({ k: 4, stripes: one(...members), uptime })
    expect(a!.code).toBe('safe')
    expect(a!.words).toMatch(/99\.9 %/)
  })
  it('asks for a keeper when one would reach the target', () => {
    const uptime = { ...low, k1: 0.99 }
    const stripes = one('k1', 'k1', 'k1', 'k1', 'm0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7')
    const codes = adviseAvailability({ k: 4, stripes, uptime }).map((a) => a.code)
    expect(codes).toContain('add-keeper')
  })
  it('asks to spread when one ordinary member keeps several shards, and flags missing holders', () => {
    const codes = adviseAvailability({
      k: 4,
      stripes: [[['m0'], ['m0'], ['m1'], ['m2'], ['m3'], []]],
      uptime: low,
    }).map((a) => a.code)
    expect(codes).toEqual(expect.arrayContaining(['unplaced', 'spread']))
  })
  it('falls back to "more online" when nothing else helps', () => {
    const codes = adviseAvailability({
      k: 4,
      stripes: one('m0', 'm1', 'm2', 'm3', 'm4'),
      uptime: low,
    }).map((a) => a.code)
    expect(codes).toEqual(['more-online'])
  })
})
