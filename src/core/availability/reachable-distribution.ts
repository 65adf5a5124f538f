import { InvalidAvailabilityInputError } from './errors.ts'

export function assertUptime(u: number, who: string): void {
  if (!(u >= 0 && u <= 1)) throw new InvalidAvailabilityInputError(`invalid uptime ${u} for ${who}`)
}

/**
 * Distribution of how many shards are reachable when member i, online with probability
 * uptimes[i] independently of the others, keeps counts[i] shards: out[j] = P(exactly j).
 * Dynamic programming over members, O(members × shards): exact, no sampling noise.
 */
export function reachableDistribution(
  counts: readonly number[],
  uptimes: readonly number[],
): Float64Array {
  let total = 0
  for (const c of counts) total += c
  const dist = new Float64Array(total + 1)
  dist[0] = 1
  let reach = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (c === 0) continue
    const u = uptimes[i]!
    // In place, from the top down: dist[j + c] is already final when dist[j] moves into it.
    for (let j = reach; j >= 0; j--) {
      const p = dist[j]!
      dist[j + c]! += p * u
      dist[j] = p * (1 - u)
    }
    reach += c
  }
  return dist
}

/** P(at least k reachable) from a distribution made by reachableDistribution. */
export function atLeast(dist: Float64Array, k: number): number {
  let p = 0
  for (let j = Math.max(0, k); j < dist.length; j++) p += dist[j]!
  return Math.min(1, p)
}
