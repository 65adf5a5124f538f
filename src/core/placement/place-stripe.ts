import { InvalidCandidateError, InvalidCodeShapeError } from './errors.ts'
import { rendezvousScore } from './score.ts'
import { assertShape } from './shape.ts'
import { requiredPeers } from './required-peers.ts'
import type { Candidate, StripePlacement } from './types.ts'

export interface PlaceStripeOptions {
  /** Data shards needed to rebuild the stripe. */
  k: number
  /** Keys of the stripe's n shards (their CID bytes): what each peer's score is drawn for. */
  shardKeys: Uint8Array[]
  /** Peers that may hold shards (never the owner itself). */
  candidates: Candidate[]
  /** Size of each shard; peers with less free space than this are skipped. */
  shardSize?: number
  /** Pairs to avoid, e.g. a peer that just refused shard i. */
  avoid?: (peerId: string, shardIndex: number) => boolean
  /**
   * Shards already stored (fixed[i] holds shard i): kept as they are and counted against their
   * holder's share, so a retry only moves the shards that failed.
   */
  fixed?: ReadonlyArray<string | undefined>
}

interface Pair {
  score: number
  peer: number
  shard: number
}

/**
 * Chooses a holder for every shard of one stripe.
 *
 * Each peer gets at most ⌈n / p⌉ shards (p = usable peers): one each when p ≥ n, and never more
 * than n − k once p reaches ⌈n / (n − k)⌉. Within that cap the (peer, shard) pairs are taken in
 * order of weighted rendezvous score, so the result depends only on the inputs, and a peer that
 * joins takes over only the shards it scores highest on.
 */
export function placeStripe(options: PlaceStripeOptions): StripePlacement {
  const { k, shardKeys, shardSize = 0, avoid, fixed } = options
  const n = shardKeys.length
  assertShape(k, n)
  if (!Number.isFinite(shardSize) || shardSize < 0) {
    throw new InvalidCodeShapeError(`invalid shard size ${shardSize}`)
  }
  const seen = new Set<string>()
  const usable: Candidate[] = []
  for (const c of options.candidates) {
    if (
      typeof c.peerId !== 'string' ||
      c.peerId === '' ||
      !(c.free >= 0) ||
      !Number.isFinite(c.free)
    ) {
      throw new InvalidCandidateError(`invalid candidate ${String(c.peerId)}`)
    }
    if (seen.has(c.peerId)) continue
    seen.add(c.peerId)
    if (c.free > 0 && c.free >= shardSize) usable.push(c)
  }

  const assignments: Array<string | undefined> = new Array<string | undefined>(n).fill(undefined)
  if (fixed !== undefined) {
    if (fixed.length !== n)
      throw new InvalidCodeShapeError(`fixed has ${fixed.length} entries, expected ${n}`)
    fixed.forEach((peer, i) => (assignments[i] = peer))
  }
  const p = usable.length
  if (p === 0) return summarize(assignments, k)
  // Peers holding fixed shards but no longer usable still count, so the cap stays fair.
  const holders = new Set(usable.map((c) => c.peerId))
  for (const a of assignments) if (a !== undefined) holders.add(a)
  // The rule: no peer ever holds more than n − k shards of a stripe (losing it then leaves k),
  // even when that leaves shards unplaced because too few peers are online.
  const cap = Math.min(Math.ceil(n / holders.size), n - k)

  const pairs: Pair[] = []
  for (let peer = 0; peer < p; peer++) {
    const c = usable[peer]!
    for (let shard = 0; shard < n; shard++) {
      if (avoid?.(c.peerId, shard) === true) continue
      pairs.push({ score: rendezvousScore(c.peerId, c.free, shardKeys[shard]!), peer, shard })
    }
  }
  pairs.sort(
    (a, b) =>
      b.score - a.score ||
      (usable[a.peer]!.peerId < usable[b.peer]!.peerId
        ? -1
        : usable[a.peer]!.peerId > usable[b.peer]!.peerId
          ? 1
          : 0) ||
      a.shard - b.shard,
  )

  const index = new Map(usable.map((c, i) => [c.peerId, i]))
  const load = new Array<number>(p).fill(0)
  // Space is counted as it is handed out, so a nearly full peer is not given more than it has.
  const room = usable.map((c) => c.free)
  let placed = 0
  for (const a of assignments) {
    if (a === undefined) continue
    placed++
    const i = index.get(a)
    if (i !== undefined) {
      load[i]!++
      room[i]! -= shardSize
    }
  }
  for (const pair of pairs) {
    if (placed === n) break
    if (assignments[pair.shard] !== undefined) continue
    if (load[pair.peer]! >= cap || room[pair.peer]! < shardSize) continue
    assignments[pair.shard] = usable[pair.peer]!.peerId
    load[pair.peer]!++
    room[pair.peer]! -= shardSize
    placed++
  }

  return summarize(assignments, k)
}

/** Describes an assignment (also one built by hand, e.g. after refusals) against the rule. */
export function summarize(assignments: Array<string | undefined>, k: number): StripePlacement {
  const n = assignments.length
  assertShape(k, n)
  const counts = new Map<string, number>()
  let unplaced = 0
  for (const a of assignments) {
    if (a === undefined) unplaced++
    else counts.set(a, (counts.get(a) ?? 0) + 1)
  }
  let maxPerPeer = 0
  for (const c of counts.values()) maxPerPeer = Math.max(maxPerPeer, c)
  const safe = unplaced === 0 && maxPerPeer <= n - k
  const missingPeers = safe ? 0 : Math.max(1, requiredPeers(k, n) - counts.size)
  return { assignments, peers: counts.size, maxPerPeer, safe, missingPeers }
}
