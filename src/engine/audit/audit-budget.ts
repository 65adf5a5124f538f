import { AUDIT_PERIOD_MS, AUDIT_SHARE_PER_MONTH } from './constants.ts'

/**
 * Bytes an audit may fetch now: the monthly share of what is stored, for the time since the
 * last audit (at most one period, so a device that was off for a year does not audit all at
 * once).
 */
export function auditBudget(
  storedBytes: number,
  sinceLastAuditMs: number,
  share = AUDIT_SHARE_PER_MONTH,
): number {
  const elapsed = Math.min(Math.max(sinceLastAuditMs, 0), AUDIT_PERIOD_MS)
  return Math.floor((storedBytes * share * elapsed) / AUDIT_PERIOD_MS)
}
