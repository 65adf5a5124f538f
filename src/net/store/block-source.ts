import type { CID } from 'multiformats/cid'
import { CorruptBlockError } from '../exchange/errors.ts'
import { NoHolderError } from './errors.ts'
import type { ShardNetwork } from './shard-network.ts'

export interface NetworkBlockSourceOptions {
  network: Pick<ShardNetwork, 'fetch'>
  /** Peers believed to hold `cid` (receipts, has-answers), best first. */
  holders(cid: CID): string[] | Promise<string[]>
  /** A holder served bytes that do not match the CID: report it, and it is skipped from now on. */
  onBadHolder?(peer: string, cid: CID): void
}

/**
 * A block source (the decoder's `get(cid)`) backed by the network: asks the known holders of a
 * block in turn until one returns bytes matching the CID. A holder caught serving bad bytes is
 * not asked again by this source.
 */
export function networkBlockSource(options: NetworkBlockSourceOptions): {
  get(cid: CID, opts: { signal: AbortSignal }): Promise<Uint8Array>
} {
  const bad = new Set<string>()
  return {
    async get(cid, { signal }) {
      const errors: unknown[] = []
      for (const peer of await options.holders(cid)) {
        if (bad.has(peer)) continue
        signal.throwIfAborted()
        try {
          return await options.network.fetch(peer, cid, { signal })
        } catch (err) {
          signal.throwIfAborted()
          if (err instanceof CorruptBlockError) {
            bad.add(peer)
            options.onBadHolder?.(peer, cid)
          }
          errors.push(err)
        }
      }
      throw new NoHolderError(`no reachable holder has ${cid.toString()}`, { cause: errors })
    },
  }
}
