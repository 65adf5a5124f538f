import type { Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import {
  deleteSigningBytes,
  type DeleteRequest,
  type StoreProtocolResponse,
} from '../../../core/protocol/index.ts'
import { publicKeyOf, sameBytes } from '../keys.ts'
import type { CofferStoreComponents } from '../store-types.ts'
import { notOwner, refusal } from './refusal.ts'

export type DeleteComponents = Pick<CofferStoreComponents, 'blockstore' | 'holdings' | 'peerId'>

/**
 * A signed `delete`: the owner lets go of blocks it stored here. A block goes with its last
 * owner; one still pinned by another owner counts as deleted for this one.
 */
export async function answerDelete(
  req: DeleteRequest,
  remote: PeerId,
  c: DeleteComponents,
  options: { maxClockSkew: number; log: Logger },
): Promise<StoreProtocolResponse> {
  const refused = notOwner(req.owner, remote)
  if (refused !== undefined) return refused
  if (!sameBytes(req.holder, c.peerId.toMultihash().bytes)) {
    return refusal('BAD_REQUEST', 'delete is addressed to another holder')
  }
  if (Math.abs(Date.now() - req.time) > options.maxClockSkew)
    return refusal('STALE', 'delete time is too far from now')
  const ok = await publicKeyOf(remote).verify(deleteSigningBytes(req), req.signature)
  if (!ok) return refusal('BAD_SIGNATURE', 'delete signature does not verify')

  const owner = remote.toString()
  const deleted: CID[] = []
  for (const cid of req.cids) {
    const result = await c.holdings.release(cid.toString(), owner)
    if (result === 'released') {
      await c.blockstore.delete(cid)
      deleted.push(cid)
    } else if (result === 'still-held') {
      deleted.push(cid)
    }
  }
  options.log('released %d of %d blocks for %p', deleted.length, req.cids.length, remote)
  return { type: 'delete-ok', deleted }
}
