import { fileAvailability } from '../../src/core/availability/index.ts'

/** A slot's name for the core functions: the simulator numbers its members, the app names peers. */
export const slotName = (slot: number): string => `s${slot}`

/**
 * The availability the app would show for a file whose shard i is on slot holders[i] (−1: none),
 * given each slot's uptime estimate: the simulator's model is the app's function, fed the same way.
 */
export function predictAvailability(
  k: number,
  holders: ArrayLike<number>,
  estimates: ArrayLike<number>,
): number {
  const shards: string[][] = []
  const uptime: Record<string, number> = {}
  for (let i = 0; i < holders.length; i++) {
    const h = holders[i]!
    if (h < 0) shards.push([])
    else {
      shards.push([slotName(h)])
      uptime[slotName(h)] = estimates[h]!
    }
  }
  return fileAvailability({ k, stripes: [shards], uptime }).probability
}

/**
 * Whether a member is online at time t: a daily window of `uptime × 24 h` starting at its own
 * phase. Phases are drawn uniformly, so at any moment members are online independently with
 * their uptime (what the model assumes), while each co-op still has its own daily rhythm.
 */
export function inWindow(t: number, phaseMs: number, uptime: number, dayMs: number): boolean {
  const x = (((t - phaseMs) % dayMs) + dayMs) % dayMs
  return x < uptime * dayMs
}
