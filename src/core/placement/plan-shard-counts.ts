import { atLeast, reachableDistribution } from '../availability/reachable-distribution.ts'
import { DEFAULT_TARGET_AVAILABILITY } from '../availability/constants.ts'
import { assertShape } from './shape.ts'

export interface ShardPlan {
  /** counts[i] = shards of the stripe for uptimes[i]'s member; their sum is at most n. */
  counts: number[]
  /** P(at least k of them reachable), members independent. */
  probability: number
}

/**
 * Most shards one member may keep of a stripe: ⌊(n − k) / 2⌋, so any two members can vanish at
 * once and the stripe still has k, but at least ⌈n / members⌉ when there are few members
 * (placeStripe's rule), and never more than n − k (one loss must never lose the stripe).
 */
export function memberCap(k: number, n: number, members: number): number {
  assertShape(k, n)
  return Math.min(n - k, Math.max(Math.floor((n - k) / 2), Math.ceil(n / Math.max(1, members))))
}

/**
 * How many shards of an n-shard stripe each member should keep, members given in order of
 * preference with their uptimes. The plans tried give the first h members c shards each and the
 * rest one each (c up to the cap, h up to n), which covers both extremes that matter: spread one
 * per member when all are alike, pile up to the cap on keepers when a few are always on.
 * Plans are tried most spread first (c, then h, ascending); the first whose exact availability
 * reaches the target wins, else the one with the best availability.
 */
export function planShardCounts(
  k: number,
  n: number,
  uptimes: readonly number[],
  target: number = DEFAULT_TARGET_AVAILABILITY,
): ShardPlan {
  assertShape(k, n)
  const m = uptimes.length
  const cap = memberCap(k, n, m)
  let best: ShardPlan = { counts: new Array<number>(m).fill(0), probability: -1 }
  for (let c = 1; c <= cap; c++) {
    for (let h = 0; h <= Math.min(m, n); h++) {
      // Past h = ⌈n / c⌉ the first members already take every shard: the same plan again.
      if ((c === 1 && h > 0) || (h - 1) * c >= n) break
      const counts = new Array<number>(m).fill(0)
      let left = n
      for (let i = 0; i < m && left > 0; i++) {
        counts[i] = Math.min(i < h ? c : 1, left)
        left -= counts[i]!
      }
      // Too few members for one each: raise the first ones up to the cap.
      for (let i = 0; i < m && left > 0; i++) {
        const add = Math.min(cap - counts[i]!, left)
        counts[i]! += add
        left -= add
      }
      const probability = atLeast(reachableDistribution(counts, uptimes), k)
      // Plans come most spread first: the first to reach the target wins, since piling more
      // on one member buys availability with durability (that member's loss costs more).
      if (probability >= target) return { counts, probability }
      if (probability > best.probability + 1e-15) best = { counts, probability }
    }
  }
  if (best.probability < 0) best.probability = 0
  return best
}
