import { logger } from '@libp2p/logger'
import type { IDBPDatabase } from 'idb'
import type { ShardNetwork } from '../../net/store/index.ts'
import { lastAuditTime, recordAudits } from '../../storage/audits.ts'
import type { CofferDB } from '../../storage/db.ts'
import { deleteReceipt } from '../../storage/receipts.ts'
import { auditBudget } from './audit-budget.ts'
import { auditHolders, type AuditResult } from './audit-holders.ts'
import { planAudit } from './plan-audit.ts'

const log = logger('coffer:engine:audit')

export interface RunAuditDeps {
  db: IDBPDatabase<CofferDB>
  network: Pick<ShardNetwork, 'fetch'>
  /** Holders reachable directly now; only they are asked (an offline one is not a failure). */
  online: (peer: string) => boolean
  now?: () => number
}

export interface RunAuditOptions {
  signal?: AbortSignal
  /** Bytes to fetch this round; by default the monthly share since the last round. */
  budgetBytes?: number
  randomInt?: (n: number) => number
}

export interface AuditReport {
  results: AuditResult[]
  /** Holders that lost or altered at least one audited shard this round. */
  failedHolders: string[]
}

/**
 * One audit round over the holders of my files: samples shards within the budget, asks each
 * holder for them, and forgets the receipt of every shard a holder failed, so the next
 * maintenance pass sees that shard short of a holder and repairs it elsewhere.
 */
export async function runAudit(
  deps: RunAuditDeps,
  options: RunAuditOptions = {},
): Promise<AuditReport> {
  const now = deps.now ?? Date.now
  const receipts = await deps.db.getAll('receipts')
  const stored = receipts.reduce((sum, r) => sum + r.size, 0)
  const last = await lastAuditTime(deps.db)
  const budgetBytes =
    options.budgetBytes ?? (last === undefined ? 0 : auditBudget(stored, now() - last))
  const online = receipts.filter((r) => deps.online(r.holder))
  const sample = planAudit(
    online.map((r) => ({ shard: r.shard, holder: r.holder, size: r.size })),
    { budgetBytes, randomInt: options.randomInt },
  )
  const results = await auditHolders(deps.network, sample, { signal: options.signal })
  const failed = results.filter((r) => r.outcome === 'missing' || r.outcome === 'corrupt')
  for (const f of failed) {
    log('%s failed the audit of %s (%s): its receipt is dropped', f.holder, f.shard, f.outcome)
    await deleteReceipt(deps.db, f.shard, f.holder)
  }
  await recordAudits(
    deps.db,
    results.map((r) => ({
      holder: r.holder,
      passed: r.outcome === 'unreachable' ? undefined : r.outcome === 'held',
    })),
    now(),
  )
  return { results, failedHolders: [...new Set(failed.map((f) => f.holder))] }
}
