import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { Receipt } from '../../core/protocol/index.ts'
import type { ReceiptRecord } from '../../storage/db.ts'

/** The stored form of a verified receipt, filed under my local file id. */
export function receiptRecord(fileId: string, r: Receipt): ReceiptRecord {
  return {
    file: fileId,
    shard: r.cid.toString(),
    holder: peerIdFromMultihash(Digest.decode(r.holder)).toString(),
    size: r.size,
    time: r.time,
    signature: r.signature,
  }
}
