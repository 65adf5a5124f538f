import { MAX_EXACT_STATES } from './constants.ts'
import { InvalidAvailabilityInputError } from './errors.ts'
import { assertUptime, atLeast, reachableDistribution } from './reachable-distribution.ts'
import type { Availability, AvailabilityInput } from './types.ts'

interface Members {
  ids: string[]
  uptime: number[]
  /** signature → counts[member] of shards that member keeps of those stripes. */
  stripes: number[][]
}

/**
 * Groups the holders into members and each stripe into a shard count per member. A member is as
 * reachable as its best device (its devices are up at the same hours, so they add little to each
 * other), and a shard kept by several members is credited to the most reachable one only: a
 * lower bound, exact when every shard has one holder, as after a finished upload or repair.
 */
function byMember(input: AvailabilityInput): Members {
  const memberOf = input.memberOf ?? {}
  const index = new Map<string, number>()
  const ids: string[] = []
  const uptime: number[] = []
  const member = (holder: string): number => {
    const id = memberOf[holder] ?? holder
    const u = input.uptime[holder] ?? 0
    assertUptime(u, holder)
    let i = index.get(id)
    if (i === undefined) {
      i = ids.length
      index.set(id, i)
      ids.push(id)
      uptime.push(u)
    } else uptime[i] = Math.max(uptime[i]!, u)
    return i
  }
  // First every member's uptime (the best of its devices), then the credit per shard.
  for (const stripe of input.stripes)
    for (const holders of stripe) for (const h of holders) member(h)
  const rows: number[][] = []
  for (const stripe of input.stripes) {
    const row: number[] = []
    for (const holders of stripe) {
      let best = -1
      for (const h of holders) {
        const m = member(h)
        if (best === -1 || uptime[m]! > uptime[best]!) best = m
      }
      if (best !== -1) row[best] = (row[best] ?? 0) + 1
    }
    rows.push(row)
  }
  // Identical rows are one event (same members, same counts): keep one of each.
  const seen = new Map<string, number[]>()
  for (const row of rows) {
    const dense = ids.map((_, i) => row[i] ?? 0)
    seen.set(dense.join(','), dense)
  }
  return { ids, uptime, stripes: [...seen.values()] }
}

/**
 * Probability that every stripe of a file has at least k shards on reachable members, members
 * being online independently with their uptime. Exact: dynamic programming over members, whose
 * state is each stripe's reachable count capped at k; stripes sharing members stay correlated
 * as they are (a sum over stripes would be wrong for files whose stripes share holders).
 */
export function fileAvailability(input: AvailabilityInput): Availability {
  const { k } = input
  if (!Number.isInteger(k) || k < 1) throw new InvalidAvailabilityInputError(`invalid k ${k}`)
  const { uptime, stripes } = byMember(input)
  if (stripes.length === 0) return { probability: 1, exact: true }
  const m = uptime.length
  const s = stripes.length
  // left[i][t] = shards of stripe t kept by members i and later: when count + left < k the
  // stripe can no longer be read, and the state is dropped.
  const left: number[][] = Array.from({ length: m + 1 }, () => new Array<number>(s).fill(0))
  for (let i = m - 1; i >= 0; i--)
    for (let t = 0; t < s; t++) left[i]![t] = left[i + 1]![t]! + stripes[t]![i]!
  for (let t = 0; t < s; t++) if (left[0]![t]! < k) return { probability: 0, exact: true }

  let states = new Map<string, { counts: number[]; p: number }>()
  states.set(new Array<number>(s).fill(0).join(','), { counts: new Array<number>(s).fill(0), p: 1 })
  let done = 0
  for (let i = 0; i < m; i++) {
    const next = new Map<string, { counts: number[]; p: number }>()
    const u = uptime[i]!
    for (const { counts, p } of states.values()) {
      for (const [up, w] of [
        [true, u],
        [false, 1 - u],
      ] as const) {
        if (w === 0) continue
        const c = counts.map((x, t) => Math.min(k, x + (up ? stripes[t]![i]! : 0)))
        if (c.some((x, t) => x + left[i + 1]![t]! < k)) continue
        if (c.every((x) => x >= k)) {
          done += p * w
          continue
        }
        const key = c.join(',')
        const prev = next.get(key)
        if (prev === undefined) next.set(key, { counts: c, p: p * w })
        else prev.p += p * w
      }
    }
    if (next.size > MAX_EXACT_STATES) return lowerBound(stripes, uptime, k)
    states = next
  }
  return { probability: Math.min(1, done), exact: true }
}

/** Bonferroni: P(all stripes readable) ≥ 1 − Σ P(stripe t unreadable). Never claims too much. */
function lowerBound(stripes: number[][], uptime: number[], k: number): Availability {
  let miss = 0
  for (const counts of stripes) miss += 1 - atLeast(reachableDistribution(counts, uptime), k)
  return { probability: Math.max(0, 1 - miss), exact: false }
}
