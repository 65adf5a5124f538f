import { logger } from '@libp2p/logger'
import type { CID } from 'multiformats/cid'
import {
  DEFAULT_MANIFEST_COPIES,
  placeManifest,
  type Candidate,
} from '../../core/placement/index.ts'
import { receiptRecord, type ShardNetwork } from '../../net/store/index.ts'
import type { ReceiptRecord } from '../../storage/db.ts'
import { UploadIncompleteError } from './errors.ts'

const log = logger('coffer:engine:upload')

export interface ReplicateManifestOptions {
  /** Peers with free space now (fresh). */
  candidates: Candidate[]
  /** A copy already has a receipt (a resumed upload): one more is welcome, none is required. */
  already: boolean
  fileId: string
  signal: AbortSignal
}

/**
 * Stores the manifest block on the peers placeManifest chooses and, if every one of them
 * refuses, on the others one by one until some peer keeps a copy. Returns the new receipts;
 * throws UploadIncompleteError when no peer keeps one and none had before.
 */
export async function replicateManifest(
  network: Pick<ShardNetwork, 'store'>,
  block: { cid: CID; bytes: Uint8Array },
  options: ReplicateManifestOptions,
): Promise<ReceiptRecord[]> {
  const { candidates: all, already, fileId, signal } = options
  const chosen = placeManifest(block.cid.bytes, all, DEFAULT_MANIFEST_COPIES)
  const order = [...chosen, ...all.map((c) => c.peerId).filter((p) => !chosen.includes(p))]
  const copies: ReceiptRecord[] = []
  const storeCopy = async (peer: string): Promise<void> => {
    try {
      const r = await network.store(peer, block.cid, block.bytes, { signal, file: block.cid })
      copies.push(receiptRecord(fileId, r))
    } catch (err) {
      signal.throwIfAborted()
      // One holder fewer for the manifest: the copies are counted against the goal below.
      log('manifest copy on %s failed: %s', peer, err)
    }
  }
  await Promise.all(chosen.map(storeCopy))
  for (const peer of order.slice(chosen.length)) {
    if (copies.length > 0 || already) break
    await storeCopy(peer)
  }
  if (copies.length === 0 && !already) {
    throw new UploadIncompleteError(
      'No member could keep the file’s index (manifest). The upload can be resumed later.',
    )
  }
  return copies
}
