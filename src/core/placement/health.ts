import { InvalidCodeShapeError } from './errors.ts'
import { assertShape } from './shape.ts'

export interface HealthInput {
  k: number
  n: number
  /** For each stripe, its n shard keys (e.g. CID strings) in shard order. */
  stripes: string[][]
  /** Known holders of each shard key (from receipts and from asking peers). */
  holders: ReadonlyMap<string, Iterable<string>>
  /** Peers reachable right now. */
  online: ReadonlySet<string>
}

export type HealthState =
  /** Every shard placed and no single peer's loss would lose a stripe. */
  | 'safe'
  /** Readable now, but the placement rule is not met (too few peers, shards missing). */
  | 'at-risk'
  /** Some stripe has fewer than k shards on online peers: a download would wait. */
  | 'unavailable'

export interface FileHealth {
  state: HealthState
  k: number
  n: number
  stripes: number
  shardsTotal: number
  /** Shards with at least one known holder. */
  shardsStored: number
  /** Shards with at least one online holder. */
  shardsOnline: number
  /** Distinct peers holding at least one shard. */
  peers: number
  /** Of those, how many are online. */
  peersOnline: number
  /** Fewest shards with an online holder over all stripes (download needs ≥ k). */
  worstStripeOnline: number
  /** Fewest shards any stripe keeps after losing its most loaded holder (safe needs ≥ k). */
  worstStripeAfterLoss: number
  /** Shards still needed online in the worst stripe before a download can finish (0 if none). */
  shortfall: number
  /**
   * Some stripe gives one peer more than its fair share ⌈n / p⌉ (p = the stripe's holders and
   * the peers online; one holder counted per shard, an online one first): safe as far as the
   * rule goes, but spreading it over the peers now online would let it outlive more losses,
   * so maintenance moves the excess.
   */
  crowded: boolean
}

/**
 * Health of one file from what the owner knows about its holders. Structured only: the UI turns
 * it into "8/8 shards on 5 peers" or "at risk: 3 of 4 needed are online".
 */
export function computeHealth(input: HealthInput): FileHealth {
  const { k, n, stripes, holders, online } = input
  assertShape(k, n)
  const allPeers = new Set<string>()
  let shardsStored = 0
  let shardsOnline = 0
  let worstOnline = Number.POSITIVE_INFINITY
  let worstAfterLoss = Number.POSITIVE_INFINITY
  let crowded = false
  for (const stripe of stripes) {
    if (stripe.length !== n)
      throw new InvalidCodeShapeError(`stripe has ${stripe.length} shards, expected ${n}`)
    let stored = 0
    let onlineCount = 0
    const holderSets: Array<Set<string>> = []
    for (const key of stripe) {
      const hs = new Set(holders.get(key) ?? [])
      holderSets.push(hs)
      if (hs.size > 0) stored++
      let isOnline = false
      for (const h of hs) {
        allPeers.add(h)
        if (online.has(h)) isOnline = true
      }
      if (isOnline) onlineCount++
    }
    shardsStored += stored
    shardsOnline += onlineCount
    worstOnline = Math.min(worstOnline, onlineCount)
    // A shard survives the loss of peer X if someone other than X holds it.
    const stripePeers = new Set<string>()
    for (const hs of holderSets) for (const h of hs) stripePeers.add(h)
    let afterLoss = stored
    for (const x of stripePeers) {
      let left = 0
      for (const hs of holderSets) if (hs.size > (hs.has(x) ? 1 : 0)) left++
      afterLoss = Math.min(afterLoss, left)
    }
    worstAfterLoss = Math.min(worstAfterLoss, afterLoss)
    // Counted as repair counts: one holder per shard, an online one when there is one (a
    // second copy adds safety, not load), so a file repair cannot spread is not called crowded.
    const reachable = new Set([...stripePeers, ...online])
    const fairShare = Math.ceil(n / Math.max(1, reachable.size))
    const load = new Map<string, number>()
    for (const hs of holderSets) {
      const all = [...hs]
      const counted = all.find((h) => online.has(h)) ?? all[0]
      if (counted !== undefined) load.set(counted, (load.get(counted) ?? 0) + 1)
    }
    for (const held of load.values()) if (held > fairShare) crowded = true
  }
  if (stripes.length === 0) {
    worstOnline = n
    worstAfterLoss = n
  }
  let peersOnline = 0
  for (const p of allPeers) if (online.has(p)) peersOnline++
  const shardsTotal = stripes.length * n
  const state: HealthState =
    worstOnline < k
      ? 'unavailable'
      : shardsStored === shardsTotal && worstAfterLoss >= k
        ? 'safe'
        : 'at-risk'
  return {
    state,
    k,
    n,
    stripes: stripes.length,
    shardsTotal,
    shardsStored,
    shardsOnline,
    peers: allPeers.size,
    peersOnline,
    worstStripeOnline: worstOnline,
    worstStripeAfterLoss: worstAfterLoss,
    shortfall: Math.max(0, k - worstOnline),
    crowded,
  }
}
