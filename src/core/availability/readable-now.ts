export interface ReadableNow {
  readable: boolean
  /** Fewest shards with an online holder over the stripes (0 when there are none). */
  worstStripe: number
}

/** Whether a download could finish right now: every stripe has ≥ k shards with an online holder. */
export function readableNow(
  k: number,
  stripes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>,
  online: ReadonlySet<string>,
): ReadableNow {
  let worst = Number.POSITIVE_INFINITY
  for (const stripe of stripes) {
    let up = 0
    for (const holders of stripe) if (holders.some((h) => online.has(h))) up++
    worst = Math.min(worst, up)
  }
  if (worst === Number.POSITIVE_INFINITY) worst = 0
  return { readable: stripes.length === 0 || worst >= k, worstStripe: worst }
}
