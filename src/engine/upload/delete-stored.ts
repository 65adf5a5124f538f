import { logger } from '@libp2p/logger'
import type { IDBPDatabase } from 'idb'
import { CID } from 'multiformats/cid'
import { MAX_CIDS_PER_MESSAGE } from '../../core/protocol/index.ts'
import type { ShardNetwork } from '../../net/store/index.ts'
import type { CofferDB, ReceiptRecord } from '../../storage/db.ts'
import { clearJournal } from '../../storage/journal.ts'
import { deleteReceipt, receiptsForFile } from '../../storage/receipts.ts'
import { STRAY_RELEASE_TIMEOUT_MS } from './constants.ts'
import type { ManifestStore } from './manifest-store.ts'

const log = logger('coffer:engine:delete')

export interface DeleteDeps {
  db: IDBPDatabase<CofferDB>
  network: Pick<ShardNetwork, 'delete'>
  peers(): string[]
  manifests: ManifestStore
}

/**
 * Asks every reachable holder to let go of the given blocks (signed deletes, one request per
 * holder and up to 1024 CIDs each) and forgets the receipts of the holders that confirmed.
 * Returns the receipts still outstanding (holders offline or failing).
 */
export async function releaseReceipts(
  deps: Pick<DeleteDeps, 'db' | 'network' | 'peers'>,
  receipts: ReceiptRecord[],
  options: { signal?: AbortSignal } = {},
): Promise<ReceiptRecord[]> {
  const online = new Set(deps.peers())
  const byHolder = new Map<string, ReceiptRecord[]>()
  for (const r of receipts) {
    const list = byHolder.get(r.holder)
    if (list === undefined) byHolder.set(r.holder, [r])
    else list.push(r)
  }
  const left: ReceiptRecord[] = []
  await Promise.all(
    [...byHolder].map(async ([holder, list]) => {
      if (!online.has(holder)) {
        left.push(...list)
        return
      }
      for (let i = 0; i < list.length; i += MAX_CIDS_PER_MESSAGE) {
        const chunk = list.slice(i, i + MAX_CIDS_PER_MESSAGE)
        try {
          // The holder answers with what it freed; anything else it no longer keeps for me
          // either (never had it, or another owner still pins it): the receipt is done.
          await deps.network.delete(
            holder,
            chunk.map((r) => CID.parse(r.shard)),
            options,
          )
          for (const r of chunk) await deleteReceipt(deps.db, r.shard, r.holder)
        } catch (err) {
          options.signal?.throwIfAborted()
          // The receipts stay, so the delete is asked again on the next pass.
          log('delete at %s failed, kept for later: %s', holder, err)
          left.push(...list.slice(i))
          return
        }
      }
    }),
  )
  return left
}

/**
 * Tells peers to drop shards they may have kept without my knowing: a store whose answer was
 * lost or late failed here, the shard went to another holder, yet the peer may have written
 * it. Best effort: a peer that never kept them frees nothing, and one that is gone is skipped.
 */
export async function releaseStrays(
  network: Pick<ShardNetwork, 'delete'>,
  strays: ReadonlyMap<string, readonly CID[]>,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  // The peer is the one that was slow a moment ago: it gets a short time, not a store's.
  const limit = AbortSignal.timeout(STRAY_RELEASE_TIMEOUT_MS)
  const signal = options.signal === undefined ? limit : AbortSignal.any([options.signal, limit])
  await Promise.all(
    [...strays].map(async ([peer, cids]) => {
      for (let i = 0; i < cids.length; i += MAX_CIDS_PER_MESSAGE) {
        try {
          await network.delete(peer, cids.slice(i, i + MAX_CIDS_PER_MESSAGE), { signal })
        } catch (err) {
          options.signal?.throwIfAborted()
          // A stray is freed by a later pass, or by the holder's own clean-up.
          log('stray delete at %s failed: %s', peer, err)
          return
        }
      }
    }),
  )
}

/**
 * Deletes one of my files: holders are told to free the shards and the manifest copies, and
 * the file record, journal and local manifest copy go. Receipts of holders that are offline
 * stay (under the vanished file id) so `releaseOrphans` can tell them later.
 */
export async function deleteStoredFile(
  deps: DeleteDeps,
  file: { id: string; manifestCid?: string },
  options: { signal?: AbortSignal } = {},
): Promise<{ pending: number }> {
  const receipts = await receiptsForFile(deps.db, file.id)
  // Forget the file first: from here on its receipts are orphans that releaseOrphans retries,
  // so a tab closed mid-delete still frees the holders later.
  await deps.db.delete('files', file.id)
  await clearJournal(deps.db, file.id)
  if (file.manifestCid !== undefined) await deps.manifests.delete(CID.parse(file.manifestCid))
  const left = await releaseReceipts(deps, receipts, options)
  return { pending: left.length }
}

/** Receipts whose file is gone (deleted while some holder was offline): tries those holders again. */
export async function releaseOrphans(
  deps: Pick<DeleteDeps, 'db' | 'network' | 'peers'>,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const [receipts, ids] = await Promise.all([
    deps.db.getAll('receipts'),
    deps.db.getAllKeys('files'),
  ])
  const live = new Set(ids)
  const orphans = receipts.filter((r) => !live.has(r.file))
  if (orphans.length === 0) return 0
  return (await releaseReceipts(deps, orphans, options)).length
}

/** `strays` less every (peer, shard) that a receipt of mine covers: those the peer keeps. */
export function withoutReceipts(
  strays: ReadonlyMap<string, CID[]>,
  receipts: ReceiptRecord[],
): Map<string, CID[]> {
  const held = new Set(receipts.map((r) => `${r.holder} ${r.shard}`))
  const out = new Map<string, CID[]>()
  for (const [peer, cids] of strays) {
    const left = cids.filter((c) => !held.has(`${peer} ${c.toString()}`))
    if (left.length > 0) out.set(peer, left)
  }
  return out
}
