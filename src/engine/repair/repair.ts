import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import type { IDBPDatabase } from 'idb'
import type { Layout } from '../../core/manifest.ts'
import type { StripeCodec } from '../../core/stripe.ts'
import {
  DEFAULT_MANIFEST_COPIES,
  placeManifest,
  placeStripe,
  type Candidate,
} from '../../core/placement/index.ts'
import {
  buildSources,
  gatherCandidates,
  receiptRecord,
  StoreRefusedError,
  type ShardNetwork,
} from '../../net/store/index.ts'
import type { CofferDB, ReceiptRecord } from '../../storage/db.ts'
import { deleteReceipt, receiptsForFile, saveReceipts } from '../../storage/receipts.ts'
import { releaseStrays, withoutReceipts } from '../upload/delete-stored.ts'

const log = logger('coffer:engine:repair')

export interface RepairDeps {
  db: IDBPDatabase<CofferDB>
  /** With `build`, lost shards are computed by their new holders, not sent from here. */
  network: Pick<ShardNetwork, 'store' | 'fetch' | 'delete' | 'freeSpace' | 'build'>
  owner: string
  /** Recomputes lost shards (the page's worker pool, so a repair never blocks the UI). */
  codec: Pick<StripeCodec, 'rebuildShards' | 'verifyShard'>
  /** Co-op peers connected directly right now. */
  peers(): string[]
}

/** What a repair needs to know about one file: the repair capability's view of it. */
export interface RepairTarget {
  /** Local file id (receipts are filed under it). */
  fileId: string
  manifestCid: CID
  /** The manifest block itself, so copies can be spread too. */
  manifestBytes: Uint8Array
  layout: Layout
}

export interface RepairReport {
  /** Stripes that broke the placement rule when the repair started. */
  stripesChecked: number
  stripesRepaired: number
  /** Shards stored on a new holder (moved from an overloaded peer, or rebuilt). */
  shardsStored: number
  /** Shards that had no holder at all and were recomputed from k others. */
  shardsRebuilt: number
  manifestCopiesAdded: number
}

export interface StripePlan {
  /** Shard index → the peer it should move to (only shards that move or were missing). */
  moves: Map<number, string>
  /** Current holder per shard (undefined when none is known). */
  current: Array<string | undefined>
}

/**
 * Which shards of one stripe to put on other peers so the stripe meets the placement rule
 * with the peers usable now: shards without any holder, and each overloaded peer's shards
 * beyond its fair share ⌈n / p⌉. Shards within their holder's share stay where they are, so a
 * repair moves as little as the rule allows. Moves that no usable peer can take are dropped.
 */
export function planStripeRepair(options: {
  k: number
  shardKeys: Uint8Array[]
  /** Known holders per shard, in shard order; the first is the one counted. */
  holders: string[][]
  candidates: Candidate[]
  shardSize: number
}): StripePlan {
  const { k, shardKeys, holders, candidates, shardSize } = options
  const n = shardKeys.length
  const current = holders.map((hs) => hs[0])
  const peers = new Set<string>(candidates.filter((c) => c.free >= shardSize).map((c) => c.peerId))
  for (const h of current) if (h !== undefined) peers.add(h)
  const cap = Math.ceil(n / Math.max(1, peers.size))
  const kept: Array<string | undefined> = []
  const load = new Map<string, number>()
  for (const h of current) {
    if (h === undefined) {
      kept.push(undefined)
      continue
    }
    const l = load.get(h) ?? 0
    if (l < cap) {
      load.set(h, l + 1)
      kept.push(h)
    } else kept.push(undefined)
  }
  const moves = new Map<number, string>()
  if (kept.every((h) => h !== undefined)) return { moves, current }
  const plan = placeStripe({
    k,
    shardKeys,
    candidates,
    shardSize,
    fixed: kept,
    // Never "move" a shard onto a peer that already holds it.
    avoid: (peer, i) => holders[i]!.includes(peer),
  })
  plan.assignments.forEach((peer, i) => {
    if (kept[i] === undefined && peer !== undefined && peer !== current[i]) moves.set(i, peer)
  })
  return { moves, current }
}

/**
 * Brings one file back to the placement rule with the peers online now. For each stripe that
 * breaks it: fetches the shards that must move (or any k shards, when some shard has no
 * holder, and recomputes the missing ones with the erasure code: no key needed), stores them
 * on the new peers, saves the receipts, and asks the overloaded holder to let go of the moved
 * shards. The manifest block is copied to more peers when it has fewer copies than it should.
 */
export async function repairFile(
  deps: RepairDeps,
  target: RepairTarget,
  options: { signal?: AbortSignal } = {},
): Promise<RepairReport> {
  const { db, network, owner } = deps
  const { signal } = options
  const { layout } = target
  const { k, n } = layout
  const online = deps.peers().filter((p) => p !== owner)
  const onlineSet = new Set(online)
  const candidates = await gatherCandidates(network, online, { signal })
  const report: RepairReport = {
    stripesChecked: 0,
    stripesRepaired: 0,
    shardsStored: 0,
    shardsRebuilt: 0,
    manifestCopiesAdded: 0,
  }
  const receipts = await receiptsForFile(db, target.fileId)
  const byShard = new Map<string, ReceiptRecord[]>()
  for (const r of receipts) {
    const list = byShard.get(r.shard)
    if (list === undefined) byShard.set(r.shard, [r])
    else list.push(r)
  }
  // Online holders first: they are the ones a shard can be fetched from.
  const holdersOf = (cid: string): string[] =>
    (byShard.get(cid) ?? [])
      .map((r) => r.holder)
      .sort((a, b) => Number(onlineSet.has(b)) - Number(onlineSet.has(a)))

  for (const stripe of layout.stripes) {
    signal?.throwIfAborted()
    const keys = stripe.shards.map((c) => c.toString())
    const plan = planStripeRepair({
      k,
      shardKeys: stripe.shards.map((c) => c.bytes),
      holders: keys.map(holdersOf),
      candidates,
      shardSize: stripe.shardSize,
    })
    if (plan.moves.size === 0) continue
    report.stripesChecked++
    const fresh: ReceiptRecord[] = []
    const built = await buildLost(deps, target, stripe, keys.map(holdersOf), onlineSet, plan, {
      k,
      n,
      signal,
    })
    fresh.push(...built.receipts)
    report.shardsRebuilt += built.receipts.length
    const moves = [...plan.moves].filter(([i]) => !built.receipts.some((r) => r.shard === keys[i]))
    if (signal?.aborted === true) await saveReceipts(db, fresh)
    signal?.throwIfAborted()
    const bytes =
      moves.length === 0
        ? { shards: [], rebuilt: 0 }
        : await gatherShards(deps, stripe.shards, keys.map(holdersOf), onlineSet, {
            k,
            n,
            want: moves.map(([i]) => i),
            signal,
          }).catch(async (err: unknown) => {
            // What was built before the stop is kept by its holders: keep its receipts.
            await saveReceipts(db, fresh)
            throw err
          })
    if (bytes === undefined) {
      await saveReceipts(db, fresh)
      report.shardsStored += fresh.length
      await releaseStrays(network, built.unsure, { signal })
      continue
    }
    report.shardsRebuilt += bytes.rebuilt
    const released = new Map<string, CID[]>()
    /** New holders whose store or build failed without a refusal: they may have kept it. */
    const strays = new Map<string, CID[]>(built.unsure)
    await Promise.all(
      moves.map(async ([i, peer]) => {
        const cid = stripe.shards[i]!
        try {
          const r = await network.store(peer, cid, bytes.shards[i]!, {
            signal,
            file: target.manifestCid,
          })
          fresh.push(receiptRecord(target.fileId, r))
          const old = plan.current[i]
          if (old !== undefined && onlineSet.has(old)) {
            released.set(old, [...(released.get(old) ?? []), cid])
          }
        } catch (err) {
          // Stopped: the other stores still settle, so their receipts are saved below.
          if (signal?.aborted === true) return
          if (!(err instanceof StoreRefusedError) && !strays.get(peer)?.includes(cid))
            strays.set(peer, [...(strays.get(peer) ?? []), cid])
        }
      }),
    )
    await saveReceipts(db, fresh)
    report.shardsStored += fresh.length
    signal?.throwIfAborted()
    if (fresh.length === plan.moves.size) report.stripesRepaired++
    // Only now that the new holders signed for them may the old holder let go.
    for (const [peer, cids] of released) {
      try {
        // What it did not list it no longer keeps for me either (never had it, or another
        // owner still pins it): as for any delete, the receipt is done.
        await network.delete(peer, cids, { signal })
        for (const c of cids) await deleteReceipt(db, c.toString(), peer)
      } catch (err) {
        signal?.throwIfAborted()
        // The receipts stay, so the next maintenance pass asks again.
        log('moving shards off %s: delete failed: %s', peer, err)
      }
    }
    // A failed build followed by a store that went through leaves nothing stray.
    await releaseStrays(network, withoutReceipts(strays, fresh), { signal })
    for (const r of fresh) {
      const list = byShard.get(r.shard) ?? []
      list.push(r)
      byShard.set(r.shard, list)
    }
  }

  // The manifest: as many copies as the rule asks for with the peers online now.
  const manifestKey = target.manifestCid.toString()
  const have = new Set(holdersOf(manifestKey))
  const want = placeManifest(target.manifestCid.bytes, candidates, DEFAULT_MANIFEST_COPIES)
  const wanted = Math.min(DEFAULT_MANIFEST_COPIES, candidates.length)
  const missing = want.filter((p) => !have.has(p)).slice(0, Math.max(0, wanted - have.size))
  const copies: ReceiptRecord[] = []
  await Promise.all(
    missing.map(async (peer) => {
      try {
        const r = await network.store(peer, target.manifestCid, target.manifestBytes, {
          signal,
          file: target.manifestCid,
        })
        copies.push(receiptRecord(target.fileId, r))
      } catch (err) {
        // Stopped or failed: the copies that went through are saved below either way.
        log('manifest copy on %s failed: %s', peer, err)
      }
    }),
  )
  await saveReceipts(db, copies)
  report.manifestCopiesAdded = copies.length
  signal?.throwIfAborted()
  return report
}

/**
 * Has the new holder of each lost shard (no online holder has it) compute it from k shards
 * that online holders keep, so the lost shard never passes through this device. Returns the
 * receipts of those built, and the peers whose build failed without a refusal (they may keep
 * the shard); the others are left to the fetch-and-store path.
 */
async function buildLost(
  deps: Pick<RepairDeps, 'network'>,
  target: RepairTarget,
  stripe: Layout['stripes'][number],
  holders: string[][],
  online: ReadonlySet<string>,
  plan: StripePlan,
  options: { k: number; n: number; signal?: AbortSignal },
): Promise<{ receipts: ReceiptRecord[]; unsure: Map<string, CID[]> }> {
  const { k, n, signal } = options
  const out: ReceiptRecord[] = []
  const unsure = new Map<string, CID[]>()
  const build = deps.network.build
  if (build === undefined) return { receipts: out, unsure }
  const reachable = holders.map((hs) => hs.find((h) => online.has(h)))
  const lost = [...plan.moves].filter(([i]) => reachable[i] === undefined)
  if (lost.length === 0 || reachable.filter((h) => h !== undefined).length < k) {
    return { receipts: out, unsure }
  }
  const shards = stripe.shards.map((cid) => ({ cid }))
  await Promise.all(
    lost.map(async ([i, peer]) => {
      const sources = buildSources(i, peer, k, shards, reachable)
      if (sources === undefined) return
      try {
        const r = await build(
          peer,
          { cid: stripe.shards[i]!, size: stripe.shardSize, k, n, index: i, sources },
          { signal, file: target.manifestCid },
        )
        out.push(receiptRecord(target.fileId, r))
      } catch (err) {
        // Stopped: the other builds still settle, and the caller keeps their receipts.
        if (signal?.aborted === true) return
        // Like a failed store: it may have kept the shard after all.
        if (!(err instanceof StoreRefusedError))
          unsure.set(peer, [...(unsure.get(peer) ?? []), stripe.shards[i]!])
      }
    }),
  )
  return { receipts: out, unsure }
}

/**
 * The bytes of the wanted shards of one stripe: fetched from a holder when one has it,
 * otherwise recomputed from any k shards with the erasure code. Every byte is checked
 * against its CID (the fetch layer does it for fetched ones, here for rebuilt ones).
 * Undefined when fewer than k shards can be reached.
 */
async function gatherShards(
  deps: { network: Pick<ShardNetwork, 'fetch'>; codec: RepairDeps['codec'] },
  cids: CID[],
  holders: string[][],
  online: ReadonlySet<string>,
  options: { k: number; n: number; want: number[]; signal?: AbortSignal },
): Promise<{ shards: Array<Uint8Array | undefined>; rebuilt: number } | undefined> {
  const { k, n, want, signal } = options
  const { network, codec } = deps
  const shards: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(n).fill(undefined)
  const fetchShard = async (i: number): Promise<boolean> => {
    for (const peer of holders[i]!) {
      if (!online.has(peer)) continue
      try {
        shards[i] = await network.fetch(peer, cids[i]!, { signal })
        return true
      } catch (err) {
        signal?.throwIfAborted()
        // The next holder of that shard is tried.
        log('fetch of %s from %s failed: %s', cids[i]!.toString(), peer, err)
      }
    }
    return false
  }
  const got = await Promise.all(want.map(fetchShard))
  if (got.every(Boolean)) return { shards, rebuilt: 0 }
  // Some wanted shard is nowhere to be fetched: gather k shards and recompute the stripe.
  let have = shards.filter((s) => s !== undefined).length
  for (let i = 0; i < n && have < k; i++) {
    if (shards[i] !== undefined) continue
    if (await fetchShard(i)) have++
  }
  if (have < k) return undefined
  const lost = want.filter((_, pos) => got[pos] !== true)
  const fresh = await codec.rebuildShards({ k, n, shards, want: lost }, { signal })
  for (const [j, i] of lost.entries()) {
    if (!(await codec.verifyShard(cids[i]!, fresh[j]!, { signal }))) return undefined
    shards[i] = fresh[j]
  }
  return { shards, rebuilt: lost.length }
}
