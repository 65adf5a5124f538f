import { PRESENCE_HALF_LIFE_MS } from './constants.ts'
import { InvalidSummaryError } from './errors.ts'
import type { PresenceSummary } from './types.ts'

/** Re-expresses a summary's weights as of a later time `at` (earlier times are refused). */
export function decaySummary(
  s: PresenceSummary,
  at: number,
  halfLifeMs: number = PRESENCE_HALF_LIFE_MS,
): PresenceSummary {
  assertSummary(s)
  if (!(at >= s.at)) throw new InvalidSummaryError(`cannot decay ${s.at} back to ${at}`)
  const f = Math.pow(2, -(at - s.at) / halfLifeMs)
  return { holder: s.holder, online: s.online * f, watched: s.watched * f, at }
}

export function assertSummary(s: PresenceSummary): void {
  const ok =
    typeof s.holder === 'string' &&
    s.holder !== '' &&
    Number.isFinite(s.online) &&
    Number.isFinite(s.watched) &&
    Number.isFinite(s.at) &&
    s.online >= 0 &&
    // Float rounding may put online a hair above watched; more than that is a lie.
    s.online <= s.watched * (1 + 1e-9) + 1e-9
  if (!ok) throw new InvalidSummaryError(`invalid presence summary for ${String(s.holder)}`)
}

/**
 * Merges what several observers (and the local node) report, per holder, as of `at`. Weights add
 * up: the merged fraction is the average of the observers' fractions weighted by how long each
 * watched, so an observer that watched for a minute cannot outvote one that watched for a week.
 * Overlapping watches count twice; that shifts the weights, not the fraction each one saw.
 */
export function mergeSummaries(
  summaries: readonly PresenceSummary[],
  at: number,
  halfLifeMs: number = PRESENCE_HALF_LIFE_MS,
): PresenceSummary[] {
  const byHolder = new Map<string, PresenceSummary>()
  for (const s of summaries) {
    const d = decaySummary(s, Math.max(at, s.at), halfLifeMs)
    const prev = byHolder.get(s.holder)
    byHolder.set(
      s.holder,
      prev === undefined
        ? { ...d, at }
        : {
            holder: s.holder,
            online: prev.online + d.online,
            watched: prev.watched + d.watched,
            at,
          },
    )
  }
  return [...byHolder.values()].sort((a, b) =>
    a.holder < b.holder ? -1 : a.holder > b.holder ? 1 : 0,
  )
}
