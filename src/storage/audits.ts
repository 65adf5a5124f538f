import type { IDBPDatabase } from 'idb'
import type { CofferDB, HolderAudit } from './db.ts'

const LAST_AUDIT_KEY = 'last-audit'

/** One audited shard's verdict, as stored: passed, failed, or no answer (not counted). */
export interface AuditVerdict {
  holder: string
  passed: boolean | undefined
}

/** Adds a round of verdicts to each holder's tally and notes when the round ran. */
export async function recordAudits(
  db: IDBPDatabase<CofferDB>,
  verdicts: readonly AuditVerdict[],
  now: number,
): Promise<void> {
  const tx = db.transaction(['audits', 'kv'], 'readwrite')
  const store = tx.objectStore('audits')
  const holders = [...new Set(verdicts.map((v) => v.holder))]
  const before = await Promise.all(holders.map((h) => store.get(h)))
  await Promise.all(
    holders.map((holder, i) => {
      const rec: HolderAudit = before[i] ?? { holder, passed: 0, failed: 0, lastAudit: now }
      for (const v of verdicts) {
        if (v.holder !== holder || v.passed === undefined) continue
        if (v.passed) rec.passed++
        else {
          rec.failed++
          rec.lastFailure = now
        }
      }
      rec.lastAudit = now
      return store.put(rec)
    }),
  )
  await tx.objectStore('kv').put(now, LAST_AUDIT_KEY)
  await tx.done
}

/** Every holder's audit tally (the Members view's score). */
export function holderAudits(db: IDBPDatabase<CofferDB>): Promise<HolderAudit[]> {
  return db.getAll('audits')
}

/** When the last audit round ran, or undefined before the first. */
export async function lastAuditTime(db: IDBPDatabase<CofferDB>): Promise<number | undefined> {
  const v: unknown = await db.get('kv', LAST_AUDIT_KEY)
  return typeof v === 'number' ? v : undefined
}
