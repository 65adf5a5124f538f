import { describe, expect, it } from 'vitest'
import {
  computeHealth,
  InvalidCodeShapeError,
  placeManifest,
  placeStripe,
  rendezvousHash,
  requiredPeers,
  type Candidate,
} from '../../src/core/placement/index.ts'

// Small deterministic PRNG (mulberry32) so statistical tests are reproducible.
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function keys(rand: () => number, n: number): Uint8Array[] {
  return Array.from({ length: n }, () =>
    Uint8Array.from({ length: 36 }, () => Math.floor(rand() * 256)),
  )
}

function peers(count: number, free = 1e9, prefix = 'peer'): Candidate[] {
  return Array.from({ length: count }, (_, i) => ({ peerId: `${prefix}-${i}`, free }))
}

function perPeer(assignments: Array<string | undefined>): Map<string, number> {
  const m = new Map<string, number>()
  for (const a of assignments) if (a !== undefined) m.set(a, (m.get(a) ?? 0) + 1)
  return m
}

describe('placeStripe', () => {
  it('gives the n shards of a stripe to n distinct peers when at least n are available', () => {
    const rand = rng(1)
    for (const p of [8, 9, 12, 30]) {
      for (let s = 0; s < 50; s++) {
        const r = placeStripe({ k: 4, shardKeys: keys(rand, 8), candidates: peers(p) })
        expect(r.assignments.every((a) => a !== undefined)).toBe(true)
        expect(new Set(r.assignments).size).toBe(8)
        expect(r.safe).toBe(true)
        expect(r.missingPeers).toBe(0)
      }
    }
  })

  it('never gives one peer more than n−k shards of a stripe when fewer than n peers exist', () => {
    const rand = rng(2)
    for (const [k, n] of [
      [4, 8],
      [2, 4],
      [3, 5],
      [10, 30],
    ] as const) {
      for (let p = requiredPeers(k, n); p < n; p++) {
        for (let s = 0; s < 20; s++) {
          const r = placeStripe({ k, shardKeys: keys(rand, n), candidates: peers(p) })
          expect(r.assignments.every((a) => a !== undefined)).toBe(true)
          for (const c of perPeer(r.assignments).values()) expect(c).toBeLessThanOrEqual(n - k)
          expect(r.safe).toBe(true)
        }
      }
    }
  })

  it('gives a single peer no more than n − k shards and reports the stripe at risk', () => {
    const r = placeStripe({ k: 4, shardKeys: keys(rng(3), 8), candidates: peers(1) })
    expect(r.assignments.filter((a) => a === 'peer-0')).toHaveLength(4)
    expect(r.assignments.filter((a) => a === undefined)).toHaveLength(4)
    expect(r.safe).toBe(false)
    expect(r.missingPeers).toBe(1)
    // Never more than n − k on one peer, whatever the shape, when peers are too few.
    for (const [k, n] of [
      [2, 3],
      [6, 8],
      [10, 30],
    ] as const) {
      for (let p = 1; p <= 3; p++) {
        const few = placeStripe({ k, shardKeys: keys(rng(p), n), candidates: peers(p) })
        for (const c of perPeer(few.assignments).values()) expect(c).toBeLessThanOrEqual(n - k)
      }
    }
    const none = placeStripe({ k: 4, shardKeys: keys(rng(3), 8), candidates: [] })
    expect(none.assignments.every((a) => a === undefined)).toBe(true)
    expect(none.missingPeers).toBe(2)
  })

  it('is deterministic and ignores the order of candidates', () => {
    const ks = keys(rng(4), 8)
    const ps = peers(11)
    const a = placeStripe({ k: 4, shardKeys: ks, candidates: ps })
    const b = placeStripe({ k: 4, shardKeys: ks, candidates: [...ps].reverse() })
    expect(b.assignments).toEqual(a.assignments)
  })

  it('moves few shards when one peer joins', () => {
    const rand = rng(5)
    const before = peers(20)
    const after = [...before, { peerId: 'newcomer', free: 1e9 }]
    let moved = 0
    let total = 0
    for (let s = 0; s < 300; s++) {
      const ks = keys(rand, 8)
      const a = placeStripe({ k: 4, shardKeys: ks, candidates: before }).assignments
      const b = placeStripe({ k: 4, shardKeys: ks, candidates: after }).assignments
      for (let i = 0; i < 8; i++) if (a[i] !== b[i]) moved++
      total += 8
    }
    // The newcomer's fair share is 1/21 ≈ 4.8 % of shards; a reshuffle would move ~95 %.
    expect(moved / total).toBeLessThan(0.1)
    expect(moved).toBeGreaterThan(0)
  })

  it('sends shards in proportion to free pledged space', () => {
    const rand = rng(6)
    const cands: Candidate[] = [
      { peerId: 'small', free: 1e9 },
      { peerId: 'large', free: 3e9 },
    ]
    const counts = new Map<string, number>()
    for (let s = 0; s < 4000; s++) {
      // k=1, n=2 with two peers would force one shard each; use one-shard "stripes" via avoid.
      const r = placeStripe({
        k: 1,
        shardKeys: keys(rand, 2),
        candidates: cands,
        avoid: (_p, i) => i === 1,
      })
      const who = r.assignments[0]!
      counts.set(who, (counts.get(who) ?? 0) + 1)
    }
    const share = (counts.get('large') ?? 0) / 4000
    expect(share).toBeGreaterThan(0.72)
    expect(share).toBeLessThan(0.78)
  })

  it('spreads stripes over a larger co-op in proportion to free space', () => {
    const rand = rng(7)
    const cands: Candidate[] = [...peers(10, 1e9, 'one'), ...peers(10, 4e9, 'four')]
    const counts = new Map<string, number>()
    for (let s = 0; s < 2000; s++) {
      for (const a of placeStripe({ k: 2, shardKeys: keys(rand, 4), candidates: cands })
        .assignments) {
        counts.set(a!, (counts.get(a!) ?? 0) + 1)
      }
    }
    let one = 0
    let four = 0
    for (const [id, c] of counts)
      if (id.startsWith('one')) one += c
      else four += c
    // Distinctness caps a heavy peer at one shard per stripe, which pulls the ratio below 4.
    expect(four / one).toBeGreaterThan(2.5)
    expect(four / one).toBeLessThan(4.2)
  })

  it('skips full peers and peers without room for the shard', () => {
    const cands: Candidate[] = [
      ...peers(8),
      { peerId: 'full', free: 0 },
      { peerId: 'tiny', free: 10 },
    ]
    const rand = rng(8)
    for (let s = 0; s < 50; s++) {
      const r = placeStripe({ k: 4, shardKeys: keys(rand, 8), candidates: cands, shardSize: 1000 })
      expect(r.assignments).not.toContain('full')
      expect(r.assignments).not.toContain('tiny')
    }
  })

  it('honours avoid(), e.g. a peer that refused a shard', () => {
    const ks = keys(rng(9), 8)
    const first = placeStripe({ k: 4, shardKeys: ks, candidates: peers(10) })
    const refused = first.assignments[3]!
    const second = placeStripe({
      k: 4,
      shardKeys: ks,
      candidates: peers(10),
      avoid: (p, i) => p === refused && i === 3,
    })
    expect(second.assignments[3]).not.toBe(refused)
    expect(second.safe).toBe(true)
  })

  it('keeps fixed (already stored) shards and moves only the failed one', () => {
    const ks = keys(rng(12), 8)
    const first = placeStripe({ k: 4, shardKeys: ks, candidates: peers(10) })
    const failed = 5
    const refused = first.assignments[failed]!
    const fixed = first.assignments.map((a, i) => (i === failed ? undefined : a))
    const retry = placeStripe({
      k: 4,
      shardKeys: ks,
      candidates: peers(10),
      fixed,
      avoid: (p, i) => p === refused && i === failed,
    })
    for (let i = 0; i < 8; i++)
      if (i !== failed) expect(retry.assignments[i]).toBe(first.assignments[i])
    expect(retry.assignments[failed]).not.toBe(refused)
    expect(new Set(retry.assignments).size).toBe(8)
  })

  it('rejects impossible code shapes with a typed error', () => {
    expect(() => placeStripe({ k: 4, shardKeys: keys(rng(1), 4), candidates: peers(4) })).toThrow(
      InvalidCodeShapeError,
    )
    expect(() => placeStripe({ k: 0, shardKeys: keys(rng(1), 4), candidates: peers(4) })).toThrow(
      InvalidCodeShapeError,
    )
  })
})

describe('rendezvousHash', () => {
  it('lies in (0, 1) and looks uniform', () => {
    const rand = rng(10)
    let sum = 0
    for (let i = 0; i < 5000; i++) {
      const h = rendezvousHash(`p${i}`, keys(rand, 1)[0]!)
      expect(h).toBeGreaterThan(0)
      expect(h).toBeLessThan(1)
      sum += h
    }
    expect(sum / 5000).toBeGreaterThan(0.48)
    expect(sum / 5000).toBeLessThan(0.52)
  })
})

describe('placeManifest', () => {
  it('chooses min(copies, peers) distinct peers, stably', () => {
    const key = keys(rng(11), 1)[0]!
    const three = placeManifest(key, peers(3), 8)
    expect(new Set(three).size).toBe(3)
    const twelve = placeManifest(key, peers(12), 8)
    expect(new Set(twelve).size).toBe(8)
    expect(placeManifest(key, [...peers(12)].reverse(), 8)).toEqual(twelve)
  })
})

describe('computeHealth', () => {
  const stripe = (s: number) => Array.from({ length: 8 }, (_, i) => `s${s}-${i}`)

  it('reports a fully spread file as safe with shard and peer counts', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0), stripe(1)]
    for (const st of stripes) st.forEach((cid, i) => holders.set(cid, [`p${i % 5}`]))
    const h = computeHealth({
      k: 4,
      n: 8,
      stripes,
      holders,
      online: new Set(['p0', 'p1', 'p2', 'p3', 'p4']),
    })
    expect(h.state).toBe('safe')
    expect(h.shardsStored).toBe(16)
    expect(h.shardsTotal).toBe(16)
    expect(h.peers).toBe(5)
    expect(h.shortfall).toBe(0)
  })

  it('says how many shards are missing online when a download cannot finish', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0)]
    stripes[0]!.forEach((cid, i) => holders.set(cid, [`p${i}`]))
    const h = computeHealth({ k: 4, n: 8, stripes, holders, online: new Set(['p0', 'p1', 'p2']) })
    expect(h.state).toBe('unavailable')
    expect(h.worstStripeOnline).toBe(3)
    expect(h.shortfall).toBe(1)
  })

  it('marks a file whose loss of one peer would lose a stripe as at risk', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0)]
    stripes[0]!.forEach((cid, i) => holders.set(cid, [i < 5 ? 'big' : `p${i}`]))
    const h = computeHealth({
      k: 4,
      n: 8,
      stripes,
      holders,
      online: new Set(['big', 'p5', 'p6', 'p7']),
    })
    expect(h.state).toBe('at-risk')
    expect(h.worstStripeAfterLoss).toBe(3)
  })

  it('counts a shard held twice as surviving the loss of one of its holders', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0)]
    stripes[0]!.forEach((cid, i) => holders.set(cid, i < 5 ? ['big', `copy${i}`] : [`p${i}`]))
    const online = new Set(['big', 'p5', 'p6', 'p7', 'copy0', 'copy1', 'copy2', 'copy3', 'copy4'])
    expect(computeHealth({ k: 4, n: 8, stripes, holders, online }).state).toBe('safe')
  })

  it('calls a safe stripe crowded when one peer holds more than its share of the peers online', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0)]
    const on = ['p0', 'p0', 'p0', 'p1', 'p1', 'p2', 'p2', 'p3']
    stripes[0]!.forEach((cid, i) => holders.set(cid, [on[i]!]))
    const four = new Set(['p0', 'p1', 'p2', 'p3'])
    const h = computeHealth({ k: 4, n: 8, stripes, holders, online: four })
    expect(h.state).toBe('safe')
    expect(h.crowded).toBe(true)
    // Two each over four peers is the fair share; three on one is fine while only three exist.
    const even = ['p0', 'p0', 'p1', 'p1', 'p2', 'p2', 'p3', 'p3']
    stripes[0]!.forEach((cid, i) => holders.set(cid, [even[i]!]))
    expect(computeHealth({ k: 4, n: 8, stripes, holders, online: four }).crowded).toBe(false)
    const three = ['p0', 'p0', 'p0', 'p1', 'p1', 'p1', 'p2', 'p2']
    stripes[0]!.forEach((cid, i) => holders.set(cid, [three[i]!]))
    const h3 = computeHealth({ k: 4, n: 8, stripes, holders, online: new Set(['p0', 'p1', 'p2']) })
    expect(h3.crowded).toBe(false)
    // A second copy (a move whose old holder has not let go yet) adds safety, not load: the
    // first online holder of each shard is the one counted, as repair counts it.
    stripes[0]!.forEach((cid, i) => holders.set(cid, i < 4 ? [even[i]!, 'p3'] : [even[i]!]))
    expect(computeHealth({ k: 4, n: 8, stripes, holders, online: four }).crowded).toBe(false)
    stripes[0]!.forEach((cid, i) => holders.set(cid, i < 4 ? ['gone', even[i]!] : [even[i]!]))
    expect(computeHealth({ k: 4, n: 8, stripes, holders, online: four }).crowded).toBe(false)
  })

  it('marks missing shards as at risk even when readable', () => {
    const holders = new Map<string, string[]>()
    const stripes = [stripe(0)]
    stripes[0]!.forEach((cid, i) => {
      if (i < 6) holders.set(cid, [`p${i}`])
    })
    const h = computeHealth({
      k: 4,
      n: 8,
      stripes,
      holders,
      online: new Set(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']),
    })
    expect(h.state).toBe('at-risk')
    expect(h.shardsStored).toBe(6)
  })
})
