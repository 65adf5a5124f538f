import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import {
  placeStripe,
  summarize,
  type Candidate,
  type StripePlacement,
} from '../../core/placement/index.ts'
import type { BuildSource, Receipt } from '../../core/protocol/index.ts'
import { StoreRefusedError } from './errors.ts'
import type { ShardNetwork } from './shard-network.ts'

export interface StoreStripeOptions {
  network: Pick<ShardNetwork, 'store' | 'build'>
  k: number
  /** The stripe's n shards in order. */
  shards: Array<{ cid: CID; bytes: Uint8Array }>
  /** Peers that may hold shards, with their free pledged space. */
  candidates: Candidate[]
  /** Shards already stored (from the journal, on resume): shard i → its receipt. */
  stored?: ReadonlyArray<Receipt | undefined>
  /** Holder peer id of each `stored` receipt. */
  storedOn?: ReadonlyArray<string | undefined>
  /** Manifest CID, when known, passed on to holders. */
  file?: CID
  /** Placement rounds: each retries the failed shards on other peers. */
  maxRounds?: number
  /**
   * Once k shards have holders, have the holders of the others build them (when the network
   * can): the owner's uplink then carries k shards of the stripe, not n, while the holders'
   * uplinks carry the sources. Default false (see docs/STORAGE.md, Build).
   */
  build?: boolean
  signal?: AbortSignal
}

export interface StripeFailure {
  peer: string
  index: number
  error: unknown
}

export interface StoredStripe {
  /** receipts[i] for shard i, undefined where no peer took it. */
  receipts: Array<Receipt | undefined>
  /** Holder of each shard as stored, measured against the placement rule. */
  placement: StripePlacement
  /** Every refused or failed attempt, for the UI and logs. */
  failures: StripeFailure[]
}

/**
 * k shards of the stripe as sources for building shard `target` on `peer`: shards that peer
 * already keeps first (it reads them locally), then the rest in order (data shards first).
 */
export function buildSources(
  target: number,
  peer: string,
  k: number,
  shards: ReadonlyArray<{ cid: CID }>,
  holders: ReadonlyArray<string | undefined>,
): BuildSource[] | undefined {
  const held = holders.flatMap((h, i) => (h === undefined || i === target ? [] : [i]))
  if (held.length < k) return undefined
  const chosen = [
    ...held.filter((i) => holders[i] === peer),
    ...held.filter((i) => holders[i] !== peer),
  ]
  return chosen.slice(0, k).map((i) => ({
    index: i,
    cid: shards[i]!.cid,
    holder: peerIdFromString(holders[i]!).toMultihash().bytes,
  }))
}

/**
 * Places one stripe and stores its shards in parallel, one request per shard. With `build`
 * (when the network can), the data shards go first and the holders of the
 * others then build theirs from them; a build that fails for any reason but a full pledge is
 * followed at once by a plain store to the same peer. A refused or failed store moves that
 * shard to the next best peer (a peer that says PLEDGE_FULL gets no more shards of this
 * stripe), while shards already stored stay where they are. Resolves when every shard has a
 * receipt or no peer is left to try; the result says how safe the stripe is.
 */
export async function storeStripe(options: StoreStripeOptions): Promise<StoredStripe> {
  const { network, k, shards, signal, file } = options
  const n = shards.length
  const receipts: Array<Receipt | undefined> = Array.from(
    { length: n },
    (_, i) => options.stored?.[i],
  )
  const holders: Array<string | undefined> = Array.from({ length: n }, (_, i) =>
    receipts[i] === undefined ? undefined : options.storedOn?.[i],
  )
  const failures: StripeFailure[] = []
  const tried = new Set<string>()
  const full = new Set<string>()
  const shardSize = shards.reduce((m, s) => Math.max(m, s.bytes.length), 0)
  const maxRounds = options.maxRounds ?? 4
  const build = network.build !== undefined && (options.build ?? false)

  const failed = (peer: string, index: number, error: unknown): void => {
    failures.push({ peer, index, error })
    if (error instanceof StoreRefusedError && error.reason === 'PLEDGE_FULL') full.add(peer)
  }
  const store = (peer: string, i: number): Promise<void> => {
    const shard = shards[i]!
    return network.store(peer, shard.cid, shard.bytes, { signal, file }).then(
      (receipt) => {
        receipts[i] = receipt
        holders[i] = peer
      },
      (error: unknown) => failed(peer, i, error),
    )
  }
  const buildOrStore = async (peer: string, i: number, sources: BuildSource[]): Promise<void> => {
    const shard = shards[i]!
    const plan = { cid: shard.cid, size: shard.bytes.length, k, n, index: i, sources }
    try {
      receipts[i] = await network.build!(peer, plan, { signal, file })
      holders[i] = peer
    } catch (error) {
      signal?.throwIfAborted()
      if (error instanceof StoreRefusedError && error.reason === 'PLEDGE_FULL') {
        failed(peer, i, error)
        return
      }
      await store(peer, i)
    }
  }

  for (let round = 0; round < maxRounds && receipts.some((r) => r === undefined); round++) {
    signal?.throwIfAborted()
    const candidates = options.candidates.filter((c) => !full.has(c.peerId))
    const plan = placeStripe({
      k,
      shardKeys: shards.map((s) => s.cid.bytes),
      candidates,
      shardSize,
      fixed: holders,
      avoid: (peer, i) => tried.has(`${peer} ${i}`),
    })
    const assigned: number[] = []
    for (let i = 0; i < n; i++) {
      const peer = plan.assignments[i]
      if (receipts[i] !== undefined || peer === undefined) continue
      tried.add(`${peer} ${i}`)
      assigned.push(i)
    }
    if (assigned.length === 0) break
    const placed = receipts.filter((r) => r !== undefined).length
    // Built shards need k sources with holders: until then, the first k shards go directly.
    const first = !build ? assigned : placed < k ? assigned.filter((i) => i < k) : []
    await Promise.all(first.map((i) => store(plan.assignments[i]!, i)))
    const rest = assigned.filter((i) => !first.includes(i))
    await Promise.all(
      rest.map((i) => {
        const peer = plan.assignments[i]!
        const sources = buildSources(i, peer, k, shards, holders)
        return sources === undefined ? store(peer, i) : buildOrStore(peer, i, sources)
      }),
    )
  }
  signal?.throwIfAborted()
  return { receipts, placement: summarize(holders, k), failures }
}
