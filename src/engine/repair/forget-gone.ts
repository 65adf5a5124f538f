import { logger } from '@libp2p/logger'
import type { IDBPDatabase } from 'idb'
import type { CofferDB } from '../../storage/db.ts'
import { deleteReceipt } from '../../storage/receipts.ts'
import { lastSeenByPeer, markSeen } from '../../storage/seen.ts'
import { KEEPER_GONE_AFTER_MS, MEMBER_GONE_AFTER_MS } from './constants.ts'

const log = logger('coffer:engine:repair')

export interface ForgetGoneOptions {
  /** Peers connected now. */
  online: Iterable<string>
  now: number
  /** Absence after which a member's device counts as gone. */
  memberGraceMs?: number
  /** The same for keepers. */
  keeperGraceMs?: number
  isKeeper?: (peer: string) => boolean
}

/**
 * Lazy repair's first step: notes who is connected, and forgets the receipts of every holder
 * absent for longer than its grace period, so the next maintenance pass sees those shards
 * without a holder and rebuilds them elsewhere. A holder only offline for a while keeps its
 * receipts (its shards still count), so closing a laptop moves no data. A holder first met
 * here starts its clock now. Returns the holders forgotten.
 */
export async function forgetGoneHolders(
  db: IDBPDatabase<CofferDB>,
  options: ForgetGoneOptions,
): Promise<string[]> {
  const { now } = options
  const online = new Set(options.online)
  await markSeen(db, online, now)
  const seen = await lastSeenByPeer(db)
  const receipts = await db.getAll('receipts')
  const holders = new Set(receipts.map((r) => r.holder))
  const unseen = [...holders].filter((h) => !seen.has(h))
  if (unseen.length > 0) await markSeen(db, unseen, now)
  const gone = [...holders].filter((h) => {
    const last = seen.get(h)
    if (last === undefined || online.has(h)) return false
    const grace = options.isKeeper?.(h)
      ? (options.keeperGraceMs ?? KEEPER_GONE_AFTER_MS)
      : (options.memberGraceMs ?? MEMBER_GONE_AFTER_MS)
    return now - last > grace
  })
  for (const holder of gone) {
    const held = receipts.filter((r) => r.holder === holder)
    log('%s not seen for over its grace period: %d receipts forgotten', holder, held.length)
    for (const r of held) await deleteReceipt(db, r.shard, r.holder)
  }
  return gone
}
