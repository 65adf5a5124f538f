import type { PeerId } from '@libp2p/interface'
import type {
  BuildRequest,
  BuildSource,
  StoreProtocolResponse,
} from '../../../core/protocol/index.ts'
import { matchesCid, readBlock } from '../../exchange/block-io.ts'
import { peerIdFromBytes } from '../keys.ts'
import type { CofferStoreComponents, ShardBuilder } from '../store-types.ts'
import type { BlockKeeper } from './block-keeper.ts'
import { notOwner, refusal, tooLarge } from './refusal.ts'

export type BuildComponents = Pick<CofferStoreComponents, 'blockstore' | 'builder'>

/**
 * `build` requests: the holder computes a shard from the k sources named (read from this store
 * when kept here, else from their holders, each checked against its CID), keeps it only if it
 * hashes to the requested CID, and answers with a receipt as for a store.
 */
export class ShardBuilds {
  readonly #c: BuildComponents
  readonly #keeper: Pick<BlockKeeper, 'keep'>
  readonly #maxBlockBytes: number
  readonly #maxBuilds: number
  #builds = 0
  readonly #buildQueue: Array<() => void> = []
  /**
   * Sources being read, by CID: a holder often builds two shards of one stripe at once, and
   * both need the same k sources.
   */
  readonly #reading = new Map<string, Promise<Uint8Array | undefined>>()

  constructor(
    components: BuildComponents,
    keeper: Pick<BlockKeeper, 'keep'>,
    options: { maxBlockBytes: number; maxConcurrentBuilds: number },
  ) {
    this.#c = components
    this.#keeper = keeper
    this.#maxBlockBytes = options.maxBlockBytes
    this.#maxBuilds = options.maxConcurrentBuilds
  }

  async answer(
    req: BuildRequest,
    remote: PeerId,
    signal: AbortSignal,
  ): Promise<StoreProtocolResponse> {
    const notMine = notOwner(req.owner, remote)
    if (notMine !== undefined) return notMine
    const builder = this.#c.builder
    if (builder === undefined) return refusal('BAD_REQUEST', 'this holder does not build shards')
    const refused = tooLarge(req.size, this.#maxBlockBytes)
    if (refused !== undefined) return refused

    return this.#keeper.keep(req.cid, req.size, remote, async () => {
      const built = await this.#limitBuilds(() => this.#compute(req, builder, signal))
      if (typeof built === 'string') return refusal('SOURCE_FAILED', built)
      if (!(await matchesCid(req.cid, built)))
        return refusal('CID_MISMATCH', 'the shard built from the sources does not match the CID')
      return built
    })
  }

  /** The built shard, or why a source could not be read. */
  async #compute(
    req: BuildRequest,
    builder: ShardBuilder,
    signal: AbortSignal,
  ): Promise<Uint8Array | string> {
    const shards: Array<Uint8Array | undefined> = Array.from({ length: req.n }, () => undefined)
    const problems: string[] = []
    await Promise.all(
      req.sources.map(async (source) => {
        try {
          const bytes = await this.#readSource(source, req.size, builder, signal)
          if (bytes?.length !== req.size) {
            problems.push(`shard ${source.index} is not ${req.size} bytes`)
          } else {
            shards[source.index] = bytes
          }
        } catch (err) {
          signal.throwIfAborted()
          problems.push(`shard ${source.index}: ${(err as Error).message ?? String(err)}`)
        }
      }),
    )
    if (problems.length > 0) return problems.join('; ')
    const [built] = await builder.rebuild(
      { k: req.k, n: req.n, shards, want: [req.index] },
      { signal },
    )
    return built!
  }

  /** A source block from this store if kept here, else from its holder; shared while in flight. */
  #readSource(
    source: BuildSource,
    size: number,
    builder: ShardBuilder,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined> {
    const key = source.cid.toString()
    let reading = this.#reading.get(key)
    if (reading === undefined) {
      const read = async (): Promise<Uint8Array | undefined> =>
        (await this.#c.blockstore.has(source.cid))
          ? readBlock(this.#c.blockstore, source.cid, size, signal)
          : builder.fetch(peerIdFromBytes(source.holder), source.cid, { signal })
      reading = read().finally(() => this.#reading.delete(key))
      this.#reading.set(key, reading)
    }
    return reading
  }

  /** Runs `work` once fewer than maxConcurrentBuilds builds are running. */
  async #limitBuilds<T>(work: () => Promise<T>): Promise<T> {
    while (this.#builds >= this.#maxBuilds) {
      await new Promise<void>((resolve) => this.#buildQueue.push(resolve))
    }
    this.#builds++
    try {
      return await work()
    } finally {
      this.#builds--
      this.#buildQueue.shift()?.()
    }
  }
}
