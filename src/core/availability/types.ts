/** What the availability of one file is computed from. */
export interface AvailabilityInput {
  /** Shards needed to read a stripe. */
  k: number
  /** stripe → shard → the holders keeping that shard (several while a move is under way). */
  stripes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>
  /** Uptime of each holder in [0, 1]; a holder missing here counts as never online. */
  uptime: Readonly<Record<string, number>>
  /**
   * The member each holder belongs to: a person's devices are one failure domain (they sleep,
   * travel and get wiped together). A holder missing here is a member of its own.
   */
  memberOf?: Readonly<Record<string, string>>
}

export interface Availability {
  /** Probability that every stripe has at least k shards on reachable members, in [0, 1]. */
  probability: number
  /** False when the exact computation was too large and `probability` is a lower bound. */
  exact: boolean
}
