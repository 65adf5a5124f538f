import { summarize, type Candidate } from '../../core/placement/index.ts'
import type { StripeEvent } from '../../core/encode-file.ts'
import { StoreRefusedError, type ShardNetwork, type StoredStripe } from '../../net/store/index.ts'

/**
 * Shards storeStripe could not place, usually because a peer that filled up mid-stripe still
 * counts toward the fair share ⌈n / p⌉ of the others. The rule only asks that no peer keep
 * more than n − k shards of a stripe, so each leftover goes to the peer with the most free
 * space still below that bound. Updates `result` in place.
 */
export async function placeLeftovers(
  network: Pick<ShardNetwork, 'store'>,
  ev: StripeEvent,
  result: StoredStripe,
  offered: Candidate[],
  k: number,
  signal: AbortSignal,
): Promise<void> {
  const n = ev.shards.length
  const holders = result.placement.assignments
  if (holders.every((h) => h !== undefined)) return
  const full = new Set(
    result.failures
      .filter((f) => f.error instanceof StoreRefusedError && f.error.reason === 'PLEDGE_FULL')
      .map((f) => f.peer),
  )
  const failed = new Set(result.failures.map((f) => `${f.peer} ${f.index}`))
  const load = new Map<string, number>()
  for (const h of holders) if (h !== undefined) load.set(h, (load.get(h) ?? 0) + 1)
  for (let i = 0; i < n; i++) {
    if (holders[i] !== undefined) continue
    const shard = ev.shards[i]!
    const choices = offered
      .filter(
        (c) =>
          !full.has(c.peerId) &&
          !failed.has(`${c.peerId} ${i}`) &&
          (load.get(c.peerId) ?? 0) < n - k &&
          c.free >= shard.bytes.length,
      )
      .sort((a, b) => b.free - a.free)
    for (const c of choices) {
      signal.throwIfAborted()
      try {
        result.receipts[i] = await network.store(c.peerId, shard.cid, shard.bytes, { signal })
        holders[i] = c.peerId
        load.set(c.peerId, (load.get(c.peerId) ?? 0) + 1)
        break
      } catch (err) {
        signal.throwIfAborted()
        result.failures.push({ peer: c.peerId, index: i, error: err })
        if (err instanceof StoreRefusedError && err.reason === 'PLEDGE_FULL') full.add(c.peerId)
      }
    }
  }
  result.placement = summarize(holders, k)
}
