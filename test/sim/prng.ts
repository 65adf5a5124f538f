/** mulberry32: small, fast and seeded, so every simulator run can be reproduced exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An exponentially distributed wait with the given mean. */
export function expWait(rand: () => number, mean: number): number {
  return -Math.log(1 - rand()) * mean
}
