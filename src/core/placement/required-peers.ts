import { assertShape } from './shape.ts'

/**
 * The fewest peers that satisfy the rule "no peer holds more than n − k shards of a stripe":
 * ⌈n / (n − k)⌉. With k = 4, n = 8 that is two; distinct holders for every shard need n.
 */
export function requiredPeers(k: number, n: number): number {
  assertShape(k, n)
  return Math.ceil(n / (n - k))
}
