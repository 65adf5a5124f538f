import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { IDBPDatabase } from 'idb'
import { CID } from 'multiformats/cid'
import { fromHex, toHex } from '../../core/bytes.ts'
import { DEFAULT_SEGMENT_SIZE, FILE_ID_BYTES, KEY_BYTES } from '../../core/constants.ts'
import { encodeFile, type ManifestEvent, type StripeEvent } from '../../core/encode-file.ts'
import { DEFAULT_K, DEFAULT_N, summarize } from '../../core/placement/index.ts'
import type { Receipt } from '../../core/protocol/index.ts'
import type { StripeCodec } from '../../core/stripe.ts'
import {
  receiptRecord,
  storeStripe,
  StoreRefusedError,
  type ShardNetwork,
} from '../../net/store/index.ts'
import type { CofferDB, FileRecord, ReceiptRecord } from '../../storage/db.ts'
import { saveFile, updateFile } from '../../storage/files.ts'
import { clearJournal, journalStripe, readJournal } from '../../storage/journal.ts'
import { receiptsForFile, saveReceipts } from '../../storage/receipts.ts'
import { adoptOrphans } from './adopt-orphans.ts'
import { checkUploadSize } from './check-upload-size.ts'
import { CandidateCache } from './candidates.ts'
import { placeLeftovers } from './place-leftovers.ts'
import { replicateManifest } from './replicate-manifest.ts'
import { pause } from '../pause.ts'
import { releaseStrays, withoutReceipts } from './delete-stored.ts'
import {
  PROGRESS_INTERVAL_MS,
  STORE_STRIPE_CONCURRENCY,
  STRIPE_PLACE_ATTEMPTS,
  STRIPE_PLACE_RETRY_MS,
} from './constants.ts'
import { NoPeersError, ResumeMismatchError, UploadIncompleteError } from './errors.ts'
import type { ManifestStore } from './manifest-store.ts'

export interface UploadDeps {
  db: IDBPDatabase<CofferDB>
  network: Pick<ShardNetwork, 'store' | 'freeSpace' | 'whoHas' | 'delete'>
  /** This node's peer id: the owner named in the file record and in every store request. */
  owner: string
  /** Co-op peers connected directly right now (shards never travel over the relay). */
  peers(): string[]
  manifests: ManifestStore
  /** The worker pool in a page; the calling thread when absent. */
  codec?: StripeCodec
}

/** What is uploaded: a `File` fits as it is. */
export interface UploadSource {
  name: string
  type: string
  size: number
  stream(): ReadableStream<Uint8Array>
}

export interface UploadProgress {
  total: number
  /** Plaintext bytes encrypted and erasure-coded so far. */
  encoded: number
  /** Plaintext bytes whose stripes have receipts for every placed shard. */
  stored: number
}

export interface UploadOptions {
  signal?: AbortSignal
  onProgress?(progress: UploadProgress): void
  /** The file record exists (state 'uploading'): from here on it is listed. */
  onRecord?(record: FileRecord): void
  /** An interrupted upload to finish: same key and file id, so the same bytes give the same CIDs. */
  resume?: FileRecord
  segmentSize?: number
  k?: number
  n?: number
  storeConcurrency?: number
  /** Tries to give a stripe at least k holders before the upload stops (default 3). */
  placeAttempts?: number
  /** Wait before the second try; later tries wait proportionally longer. */
  placeRetryMs?: number
  /**
   * Holders build the parity shards from the data shards, so this device sends k shards per
   * stripe instead of n (default false: measured slower wherever the holders' uplinks or CPU
   * are no freer than the owner's; docs/STATUS.md).
   */
  build?: boolean
}

export interface UploadResult {
  record: FileRecord
  /** Every stripe meets the placement rule; false means "at risk" until repair spreads it. */
  safe: boolean
  /** More peers the weakest stripe needs for the rule (0 when safe). */
  missingPeers: number
}

const log = logger('coffer:engine:upload')

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length))
}

/** A stored receipt in the shape storeStripe keeps for shards that need no new store. */
function asReceipt(r: ReceiptRecord): Receipt {
  return {
    cid: CID.parse(r.shard),
    size: r.size,
    holder: peerIdFromString(r.holder).toMultihash().bytes,
    time: r.time,
    signature: r.signature,
  }
}

/**
 * Whether any connected peer can take shards. A connection that has only just opened often
 * fails its first streams (refused or timed out while the peers settle which connection to
 * keep), so while some peer is connected the question is asked again, as a stripe's stores are.
 */
async function anyCandidate(
  candidates: CandidateCache,
  connected: () => string[],
  retryMs: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    if ((await candidates.get({ signal, fresh: attempt > 1 })).length > 0) return true
    if (attempt >= STRIPE_PLACE_ATTEMPTS || connected().length === 0) return false
    log('no connected peer told its free space; asking again (attempt %d)', attempt)
    await pause(retryMs * attempt, signal ?? new AbortController().signal)
  }
}

/**
 * Uploads one file: reads it as a stream, encrypts and erasure-codes it (in the workers),
 * stores each stripe's shards on co-op peers chosen by the placement rule (several stripes
 * in parallel, refused shards moved to other peers), keeps every receipt and journals each
 * stripe, then replicates the manifest block. The record is 'uploading' throughout and
 * becomes 'complete' only after receipts cover every placed shard and the manifest.
 *
 * Resume: pass the interrupted record and the same file; stripes whose shards all have
 * receipts are encoded again (to rebuild the manifest) but not sent again.
 */
export async function uploadFile(
  deps: UploadDeps,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const { db, network, owner } = deps
  const resume = options.resume
  const segmentSize = resume?.segmentSize ?? options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  const k = resume?.k ?? options.k ?? DEFAULT_K
  const n = resume?.n ?? options.n ?? DEFAULT_N
  checkUploadSize(source.size, segmentSize, n)
  if (resume !== undefined && (source.name !== resume.name || source.size !== resume.size)) {
    throw new ResumeMismatchError(
      `That is not the file being uploaded: pick “${resume.name}” (${resume.size} bytes).`,
    )
  }
  const outer = options.signal
  outer?.throwIfAborted()

  const others = (): string[] => deps.peers().filter((p) => p !== owner)
  const candidates = new CandidateCache(network, others)
  const retryMs = options.placeRetryMs ?? STRIPE_PLACE_RETRY_MS
  if (!(await anyCandidate(candidates, others, retryMs, outer))) {
    throw new NoPeersError(
      'No other member with free space is connected right now, so nobody can keep the file. Try again when another member is online.',
    )
  }

  const fileId = resume !== undefined ? fromHex(resume.id) : randomBytes(FILE_ID_BYTES)
  const record: FileRecord =
    resume !== undefined
      ? { ...resume, state: 'uploading' }
      : {
          id: toHex(fileId),
          owner,
          key: randomBytes(KEY_BYTES),
          name: source.name,
          size: source.size,
          type: source.type,
          createdAt: Date.now(),
          state: 'uploading',
          k,
          n,
          segmentSize,
        }
  await saveFile(db, record)
  options.onRecord?.(record)

  const journal = new Map((await readJournal(db, record.id)).map((j) => [j.stripe, j]))
  const concurrency = options.storeConcurrency ?? STORE_STRIPE_CONCURRENCY
  // Stripes leave the in-flight window only once journaled, so a closed tab can have sent
  // shards of no stripe past the last journaled one plus the window: only those are checked
  // for strays on Resume, not every remaining stripe.
  const straysUpTo = resume === undefined ? -1 : Math.max(-1, ...journal.keys()) + concurrency
  const known = new Map<string, ReceiptRecord>()
  for (const r of await receiptsForFile(db, record.id)) {
    if (!known.has(r.shard)) known.set(r.shard, r)
  }

  const inner = new AbortController()
  const signal = outer ? AbortSignal.any([outer, inner.signal]) : inner.signal
  const progress: UploadProgress = { total: source.size, encoded: 0, stored: 0 }
  let lastReport = 0
  const report = (force = false): void => {
    const now = Date.now()
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return
    lastReport = now
    options.onProgress?.({ ...progress })
  }
  let safe = true
  let missingPeers = 0
  /** Peer → shards it may hold without a receipt (its store failed without a refusal). */
  const strays = new Map<string, CID[]>()
  let failure: Error | undefined
  const inflight = new Set<Promise<void>>()

  /** Stores the shards of `ev` that have no receipt yet; returns the holder of each shard. */
  const storeMissing = async (
    ev: StripeEvent,
    existing: Array<ReceiptRecord | undefined>,
    fresh: boolean,
  ): Promise<Array<string | undefined>> => {
    const began = Date.now()
    const offered = await candidates.get({ signal, fresh })
    const added: ReceiptRecord[] = []
    if (ev.index <= straysUpTo && !fresh) {
      const peers = offered.map((c) => c.peerId)
      added.push(...(await adoptOrphans(network, ev, existing, peers, record.id, k, signal)))
      for (const rec of added) known.set(rec.shard, rec)
    }
    const result = await storeStripe({
      network,
      k,
      shards: ev.shards,
      candidates: offered,
      stored: existing.map((r) => (r === undefined ? undefined : asReceipt(r))),
      storedOn: existing.map((r) => r?.holder),
      build: options.build,
      signal,
    })
    await placeLeftovers(network, ev, result, offered, k, signal)
    for (const f of result.failures) {
      log('stripe %d shard %d on %s failed - %e', ev.index, f.index, f.peer, f.error)
      // A refusal is definite; a timeout or a broken stream may come after the peer wrote it.
      if (f.error instanceof StoreRefusedError) continue
      if (result.placement.assignments[f.index] === f.peer) continue
      strays.set(f.peer, [...(strays.get(f.peer) ?? []), ev.shards[f.index]!.cid])
    }
    log(
      'stripe %d stored in %d ms on %d peers',
      ev.index,
      Date.now() - began,
      result.placement.peers,
    )
    result.receipts.forEach((r, i) => {
      if (r === undefined || existing[i] !== undefined) return
      const rec = receiptRecord(record.id, r)
      added.push(rec)
      known.set(rec.shard, rec)
      candidates.spent(rec.holder, rec.size)
    })
    await saveReceipts(db, added)
    return result.placement.assignments
  }

  const storeOne = async (ev: StripeEvent, plainBytes: number): Promise<void> => {
    let holders: Array<string | undefined> = []
    for (let attempt = 1; ; attempt++) {
      const existing = ev.shards.map((s) => known.get(s.cid.toString()))
      holders = existing.map((r) => r?.holder)
      if (existing.some((r) => r === undefined)) {
        holders = await storeMissing(ev, existing, attempt > 1)
      }
      const placed = holders.filter((h) => h !== undefined).length
      if (placed >= k) break
      if (attempt >= (options.placeAttempts ?? STRIPE_PLACE_ATTEMPTS)) {
        throw new UploadIncompleteError(
          `Only ${placed} of the ${k} encrypted parts needed were stored: too few members could take them. The upload can be resumed when more members are online.`,
        )
      }
      // Stores fail for a while when peers are busy or reconnecting; that should not end
      // an upload that a moment later would go through.
      log('stripe %d has %d of %d pieces; trying again (attempt %d)', ev.index, placed, k, attempt)
      await pause((options.placeRetryMs ?? STRIPE_PLACE_RETRY_MS) * attempt, signal)
    }
    const placement = summarize(holders, k)
    await journalStripe(db, {
      fileId: record.id,
      stripe: ev.index,
      shards: ev.shards.map((s) => ({ cid: s.cid.toString(), size: s.bytes.length })),
    })
    if (!placement.safe) {
      safe = false
      missingPeers = Math.max(missingPeers, placement.missingPeers)
    }
    progress.stored += plainBytes
    report()
  }

  let manifest: ManifestEvent | undefined
  let previousBytesIn = 0
  try {
    const events = encodeFile(
      source.stream(),
      { name: source.name, type: source.type },
      {
        codec: deps.codec,
        key: record.key,
        fileId,
        segmentSize,
        k,
        n,
        // The envelope's creation time is part of the manifest bytes: fixed, so a resumed
        // upload yields the same manifest CID.
        now: () => record.createdAt,
        signal,
      },
    )
    for await (const ev of events) {
      if (ev.type === 'manifest') {
        manifest = ev
        continue
      }
      const entry = journal.get(ev.index)
      if (
        entry !== undefined &&
        entry.shards.some((s, i) => s.cid !== ev.shards[i]?.cid.toString())
      ) {
        throw new ResumeMismatchError(
          `That is not the file being uploaded: its content differs from “${record.name}”.`,
        )
      }
      const plainBytes = ev.bytesIn - previousBytesIn
      previousBytesIn = ev.bytesIn
      progress.encoded = ev.bytesIn
      report()
      const task: Promise<void> = storeOne(ev, plainBytes).then(
        () => void inflight.delete(task),
        (err: unknown) => {
          inflight.delete(task)
          failure ??= err instanceof Error ? err : new Error(String(err))
          inner.abort(err)
        },
      )
      inflight.add(task)
      while (inflight.size >= concurrency) {
        await Promise.race(inflight)
      }
      if (failure !== undefined) throw failure
    }
    await Promise.all(inflight)
    if (failure !== undefined) throw failure
  } catch (err) {
    // The first stripe failure aborts the encoder; report that failure, not the abort.
    throw failure ?? err
  } finally {
    await Promise.allSettled(inflight)
  }
  if (manifest === undefined) throw new UploadIncompleteError('the encoder produced no manifest')
  report(true)

  const { block } = manifest
  const manifestKey = block.cid.toString()
  const copies = await replicateManifest(network, block, {
    candidates: await candidates.get({ signal, fresh: true }),
    already: known.get(manifestKey) !== undefined,
    fileId: record.id,
    signal,
  })
  await saveReceipts(db, copies)
  await deps.manifests.put(block.cid, block.bytes)
  // Late, so a peer that was only slow has written the shard by now; and before the file is
  // complete, as repair (which works on complete files only) might count such a copy.
  await releaseStrays(network, withoutReceipts(strays, await receiptsForFile(db, record.id)), {
    signal,
  })
  const done = await updateFile(db, record.id, { state: 'complete', manifestCid: manifestKey })
  await clearJournal(db, record.id)
  return {
    record: done ?? { ...record, state: 'complete', manifestCid: manifestKey },
    safe,
    missingPeers,
  }
}
