import { logger } from '@libp2p/logger'
import type { StripeEvent } from '../../core/encode-file.ts'
import { findHolders, receiptRecord, type ShardNetwork } from '../../net/store/index.ts'
import type { ReceiptRecord } from '../../storage/db.ts'

const log = logger('coffer:engine:upload')

/**
 * On resume, shards of the stripes in flight when the tab closed may be on a holder with no
 * receipt here (the holder kept it, the answer was lost). Each such shard is stored again on
 * the holder that has it, which answers with a receipt without keeping a second copy, as long
 * as that keeps the holder within n − k shards of the stripe; copies beyond that are deleted.
 * Otherwise they would be placed elsewhere and the first copy would never be freed.
 * Fills `existing` with the adopted receipts and returns them.
 */
export async function adoptOrphans(
  network: Pick<ShardNetwork, 'store' | 'whoHas' | 'delete'>,
  ev: StripeEvent,
  existing: Array<ReceiptRecord | undefined>,
  peers: string[],
  fileId: string,
  k: number,
  signal: AbortSignal,
): Promise<ReceiptRecord[]> {
  const missing = ev.shards.flatMap((s, i) => (existing[i] === undefined ? [i] : []))
  if (missing.length === 0 || peers.length === 0) return []
  const held = await findHolders(
    network,
    peers,
    missing.map((i) => ev.shards[i]!.cid),
    { signal },
  )
  const n = ev.shards.length
  const load = new Map<string, number>()
  for (const r of existing) if (r !== undefined) load.set(r.holder, (load.get(r.holder) ?? 0) + 1)
  const adopted: ReceiptRecord[] = []
  for (const i of missing) {
    const shard = ev.shards[i]!
    for (const peer of held.get(shard.cid.toString()) ?? []) {
      signal.throwIfAborted()
      if (existing[i] === undefined && (load.get(peer) ?? 0) < n - k) {
        try {
          const rec = receiptRecord(
            fileId,
            await network.store(peer, shard.cid, shard.bytes, { signal }),
          )
          existing[i] = rec
          adopted.push(rec)
          load.set(peer, (load.get(peer) ?? 0) + 1)
          continue
        } catch (err) {
          signal.throwIfAborted()
          log('could not adopt shard %d of stripe %d on %s - %e', i, ev.index, peer, err)
        }
      }
      await network.delete(peer, [shard.cid], { signal }).catch((err: unknown) => {
        signal.throwIfAborted()
        log('could not free a stray copy on %s - %e', peer, err)
      })
    }
  }
  return adopted
}
