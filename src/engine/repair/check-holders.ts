import { logger } from '@libp2p/logger'
import type { IDBPDatabase } from 'idb'
import type { ShardNetwork } from '../../net/store/index.ts'
import type { CofferDB } from '../../storage/db.ts'
import { runAudit } from '../audit/run-audit.ts'
import { forgetGoneHolders } from './forget-gone.ts'

const log = logger('coffer:engine:repair')

export interface CheckHoldersDeps {
  db: IDBPDatabase<CofferDB>
  network: Pick<ShardNetwork, 'fetch'>
  /** Co-op peers connected directly right now. */
  peers(): string[]
  /** The pod's keepers, whose absence counts sooner. */
  keepers?: readonly string[]
  now?: () => number
}

/**
 * The start of a maintenance pass: forgets holders gone past their grace period, then audits
 * the holders online within the audit budget. Either leaves shards without a receipt, which the
 * pass's health update then shows and its repair re-places. A failure of either is logged and
 * the pass goes on: both run again on the next pass.
 */
export async function checkHolders(
  deps: CheckHoldersDeps,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const now = deps.now ?? Date.now
  const online = new Set(deps.peers())
  const keepers = new Set(deps.keepers ?? [])
  await forgetGoneHolders(deps.db, {
    online,
    now: now(),
    isKeeper: (p) => keepers.has(p),
  }).catch((err: unknown) => log('forgetting gone holders failed, next pass retries: %s', err))
  await runAudit(
    { db: deps.db, network: deps.network, online: (p) => online.has(p), now },
    { signal: options.signal },
  ).catch((err: unknown) => log('audit round failed, next pass retries: %s', err))
}
