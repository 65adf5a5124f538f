import { KEEPER_PRIOR_UPTIME, MEMBER_PRIOR_UPTIME, PRIOR_WEIGHT_MS } from './constants.ts'
import { assertSummary } from './merge-summaries.ts'
import type { PresenceSummary, UptimeEstimate } from './types.ts'

/**
 * Uptime of one holder: the observed online fraction pulled toward a prior, as if the prior had
 * been watched for PRIOR_WEIGHT_MS. A holder seen once for five minutes is not 100 % up, and one
 * never seen gets the prior for its kind (keepers are always-on processes, members are tabs).
 */
export function estimateUptime(
  holder: string,
  summary: PresenceSummary | undefined,
  keeper = false,
  priorWeightMs: number = PRIOR_WEIGHT_MS,
): UptimeEstimate {
  const prior = keeper ? KEEPER_PRIOR_UPTIME : MEMBER_PRIOR_UPTIME
  if (summary === undefined) return { holder, uptime: prior, keeper, confidence: 0 }
  assertSummary(summary)
  const online = Math.min(summary.online, summary.watched)
  const uptime = (online + prior * priorWeightMs) / (summary.watched + priorWeightMs)
  const confidence = summary.watched / (summary.watched + priorWeightMs)
  return { holder, uptime: Math.min(1, Math.max(0, uptime)), keeper, confidence }
}
