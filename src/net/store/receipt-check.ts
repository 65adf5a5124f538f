import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { receiptSigningBytes, type Receipt } from '../../core/protocol/index.ts'
import { InvalidReceiptError } from './errors.ts'
import { peerIdFromBytes, publicKeyOf, sameBytes } from './keys.ts'

/** Checks that a receipt is the one asked for, and its signature. */
export async function checkReceipt(
  r: Receipt,
  peer: PeerId,
  cid: CID,
  size: number,
): Promise<void> {
  if (!r.cid.equals(cid)) throw new InvalidReceiptError('receipt names another CID')
  if (r.size !== size) throw new InvalidReceiptError('receipt states another size')
  if (!sameBytes(r.holder, peer.toMultihash().bytes))
    throw new InvalidReceiptError('receipt names another holder')
  await verifyReceipt(r)
}

/** Checks a receipt's signature against the holder's key in its peer id. */
export async function verifyReceipt(r: Receipt): Promise<void> {
  const holder = peerIdFromBytes(r.holder)
  const ok = await publicKeyOf(holder).verify(receiptSigningBytes(r), r.signature)
  if (!ok) throw new InvalidReceiptError('receipt signature does not verify')
}
