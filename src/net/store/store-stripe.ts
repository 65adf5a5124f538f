import type { CID } from 'multiformats/cid'
import {
  placeStripe,
  summarize,
  type Candidate,
  type StripePlacement,
} from '../../core/placement/index.ts'
import type { Receipt } from '../../core/protocol/index.ts'
import { StoreRefusedError } from './errors.ts'
import type { ShardNetwork } from './shard-network.ts'

export interface StoreStripeOptions {
  network: Pick<ShardNetwork, 'store'>
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
 * Places one stripe and stores its shards in parallel, one request per shard. A refused or
 * failed store moves that shard to the next best peer (a peer that says PLEDGE_FULL gets no
 * more shards of this stripe), while shards already stored stay where they are. Resolves when
 * every shard has a receipt or no peer is left to try; the result says how safe the stripe is.
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
    const attempts: Array<Promise<void>> = []
    for (let i = 0; i < n; i++) {
      const peer = plan.assignments[i]
      if (receipts[i] !== undefined || peer === undefined) continue
      tried.add(`${peer} ${i}`)
      const shard = shards[i]!
      attempts.push(
        network.store(peer, shard.cid, shard.bytes, { signal, file }).then(
          (receipt) => {
            receipts[i] = receipt
            holders[i] = peer
          },
          (error: unknown) => {
            failures.push({ peer, index: i, error })
            if (error instanceof StoreRefusedError && error.reason === 'PLEDGE_FULL') full.add(peer)
          },
        ),
      )
    }
    if (attempts.length === 0) break
    await Promise.all(attempts)
  }
  signal?.throwIfAborted()
  return { receipts, placement: summarize(holders, k), failures }
}
