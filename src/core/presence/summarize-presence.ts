import { PRESENCE_HALF_LIFE_MS } from './constants.ts'
import { InvalidIntervalError } from './errors.ts'
import type { Interval, PresenceLog, PresenceSummary } from './types.ts'

/**
 * ∫ 2^(−(now − t) / H) dt over [start, end) ∩ (−∞, now]: time seen long ago fades smoothly, so
 * a summary never needs the raw intervals again and old logs can be dropped.
 */
export function decayedLength(iv: Interval, now: number, halfLifeMs: number): number {
  const end = Math.min(iv.end, now)
  if (end <= iv.start) return 0
  const rate = Math.LN2 / halfLifeMs
  return (Math.exp(-rate * (now - end)) - Math.exp(-rate * (now - iv.start))) / rate
}

/** Online time counted only inside watched time: a holder cannot be judged while nobody looked. */
function overlap(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!.start, b[j]!.start)
    const e = Math.min(a[i]!.end, b[j]!.end)
    if (e > s) out.push({ start: s, end: e })
    if (a[i]!.end < b[j]!.end) i++
    else j++
  }
  return out
}

/** Summarizes one node's log as of `now`: one decayed (online, watched) pair per holder it saw. */
export function summarizePresence(
  log: PresenceLog,
  now: number,
  halfLifeMs: number = PRESENCE_HALF_LIFE_MS,
): PresenceSummary[] {
  if (!(halfLifeMs > 0)) throw new InvalidIntervalError(`invalid half-life ${halfLifeMs}`)
  let watched = 0
  for (const iv of log.watched) watched += decayedLength(iv, now, halfLifeMs)
  const out: PresenceSummary[] = []
  for (const holder of Object.keys(log.online).sort()) {
    let online = 0
    for (const iv of overlap(log.online[holder]!, log.watched))
      online += decayedLength(iv, now, halfLifeMs)
    out.push({ holder, online, watched, at: now })
  }
  return out
}
