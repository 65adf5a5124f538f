import type { PeerId } from '@libp2p/interface'
import type { StoreProtocolResponse, StoreRequest } from '../../../core/protocol/index.ts'
import { matchesCid } from '../../exchange/block-io.ts'
import type { BlockKeeper } from './block-keeper.ts'
import { notOwner, refusal, tooLarge } from './refusal.ts'

/** A `store` request: the owner sends the block itself. */
export async function answerStore(
  req: StoreRequest,
  remote: PeerId,
  keeper: Pick<BlockKeeper, 'keep'>,
  maxBlockBytes: number,
): Promise<StoreProtocolResponse> {
  const refused = notOwner(req.owner, remote) ?? tooLarge(req.block.length, maxBlockBytes)
  if (refused !== undefined) return refused
  if (!(await matchesCid(req.cid, req.block)))
    return refusal('CID_MISMATCH', 'block bytes do not match the CID')

  // The block is a view of the request's buffer, and IndexedDB would keep all of it.
  return keeper.keep(req.cid, req.block.length, remote, () => Promise.resolve(req.block.slice()))
}
