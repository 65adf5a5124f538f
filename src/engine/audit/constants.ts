/**
 * Audit traffic per month as a share of the bytes an owner keeps on others' devices
 * (issue 18: at most 1 %). An audit fetches whole shards, so this also bounds its CPU.
 */
export const AUDIT_SHARE_PER_MONTH = 0.01
/** The period the share above is counted over. */
export const AUDIT_PERIOD_MS = 30 * 24 * 60 * 60 * 1000
/** A holder asked for one audited shard gets this long to send it. */
export const AUDIT_FETCH_TIMEOUT_MS = 30_000
