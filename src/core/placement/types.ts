/** A peer that may receive shards, with the free pledged space it last announced. */
export interface Candidate {
  peerId: string
  /** Free pledged bytes; the rendezvous weight. Peers with 0 are never chosen. */
  free: number
}

export interface StripePlacement {
  /** assignments[i] is the peer chosen for shard i, or undefined when no peer could take it. */
  assignments: Array<string | undefined>
  /** Distinct peers used by this stripe. */
  peers: number
  /** Most shards of this stripe given to one peer. */
  maxPerPeer: number
  /** True when losing any one peer still leaves at least k shards of the stripe. */
  safe: boolean
  /** Extra peers that would have to appear for the rule to be met (0 when safe). */
  missingPeers: number
}
