import type { Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { receiptSigningBytes, type StoreProtocolResponse } from '../../../core/protocol/index.ts'
import type { CofferStoreComponents } from '../store-types.ts'
import { refusal } from './refusal.ts'

export type BlockKeeperComponents = Pick<
  CofferStoreComponents,
  'blockstore' | 'holdings' | 'pledge' | 'peerId' | 'privateKey'
>

/**
 * Keeps blocks for owners within the pledge, and signs the receipts. Shared by `store` and
 * `build`, so that both count against one reservation.
 */
export class BlockKeeper {
  readonly #c: BlockKeeperComponents
  readonly #log: Logger
  /** Bytes promised to stores in flight, so concurrent requests cannot overrun the pledge together. */
  #reserved = 0

  constructor(components: BlockKeeperComponents, log: Logger) {
    this.#c = components
    this.#log = log
  }

  /**
   * Keeps a block for `remote`: a block already here only gains this owner; otherwise the
   * pledge is checked (before `produce` runs) and the space reserved while `produce` makes the
   * bytes, or a refusal. Answers with a signed receipt.
   */
  async keep(
    cid: CID,
    size: number,
    remote: PeerId,
    produce: () => Promise<Uint8Array | StoreProtocolResponse>,
  ): Promise<StoreProtocolResponse> {
    const owner = remote.toString()
    const key = cid.toString()
    const existing = await this.#c.holdings.get(key)
    if (existing === undefined) {
      const pledged = await this.#c.pledge.pledgedBytes()
      const used = await this.#c.holdings.usedBytes()
      if (used + this.#reserved + size > pledged) {
        return refusal(
          'PLEDGE_FULL',
          `pledge of ${pledged} bytes has ${Math.max(0, pledged - used - this.#reserved)} free`,
        )
      }
      this.#reserved += size
      try {
        const bytes = await produce()
        if (!(bytes instanceof Uint8Array)) return bytes
        await this.#c.blockstore.put(cid, bytes)
        await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
      } finally {
        this.#reserved -= size
      }
    } else if (!existing.owners.includes(owner)) {
      // Already here for someone else: this owner pins it too, at no extra space.
      await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
    }
    this.#log('holding %s (%d bytes) for %p', key, size, remote)
    return this.#receipt(cid, size)
  }

  async #receipt(cid: CID, size: number): Promise<StoreProtocolResponse> {
    const unsigned = { cid, size, holder: this.#c.peerId.toMultihash().bytes, time: Date.now() }
    const signature = await this.#c.privateKey.sign(receiptSigningBytes(unsigned))
    return { type: 'store-ok', receipt: { ...unsigned, signature } }
  }
}
