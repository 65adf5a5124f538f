import { InvalidIntervalError } from './errors.ts'
import type { Interval } from './types.ts'

/**
 * Adds [start, end) to a sorted list of disjoint intervals and returns the new list (the input is
 * left alone). Touching or overlapping spans merge, so a log of a holder that was seen every
 * minute stays one interval per session instead of growing with every ping.
 */
export function recordPresence(
  intervals: readonly Interval[],
  start: number,
  end: number,
): Interval[] {
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new InvalidIntervalError(`invalid interval [${start}, ${end})`)
  }
  const out: Interval[] = []
  let s = start
  let e = end
  let placed = false
  for (const iv of intervals) {
    if (iv.end < s) out.push(iv)
    else if (iv.start > e) {
      if (!placed) {
        out.push({ start: s, end: e })
        placed = true
      }
      out.push(iv)
    } else {
      s = Math.min(s, iv.start)
      e = Math.max(e, iv.end)
    }
  }
  if (!placed) out.push({ start: s, end: e })
  return out
}
