import { DEFAULT_TARGET_AVAILABILITY } from '../availability/constants.ts'
import { MAX_EXPANSION } from './constants.ts'
import { InvalidCodeShapeError } from './errors.ts'
import { planShardCounts } from './plan-shard-counts.ts'

export interface ShardCount {
  n: number
  /** Availability of one stripe with that n on the best plan. */
  probability: number
  /** False when no n up to k × maxExpansion reaches the target: the file must not be called safe. */
  reachesTarget: boolean
}

/**
 * The smallest n (k < n ≤ k × maxExpansion) whose best plan over these members reaches the
 * target availability; when none does, the n with the best availability, reported as not
 * reaching it. `uptimes` are the members' (one per failure domain), in any order.
 */
export function chooseShardCount(
  k: number,
  uptimes: readonly number[],
  target: number = DEFAULT_TARGET_AVAILABILITY,
  maxExpansion: number = MAX_EXPANSION,
): ShardCount {
  const top = Math.floor(k * maxExpansion)
  if (!Number.isInteger(k) || k < 1 || !(top > k))
    throw new InvalidCodeShapeError(`no n fits k=${k} with expansion ${maxExpansion}`)
  const sorted = [...uptimes].sort((a, b) => b - a)
  let best: ShardCount = { n: k + 1, probability: -1, reachesTarget: false }
  for (let n = k + 1; n <= Math.min(top, 256); n++) {
    const { probability } = planShardCounts(k, n, sorted, target)
    if (probability >= target) return { n, probability, reachesTarget: true }
    if (probability > best.probability + 1e-12) best = { n, probability, reachesTarget: false }
  }
  return best
}
