/** A half-open span of time [start, end), in milliseconds since the epoch. */
export interface Interval {
  start: number
  end: number
}

/**
 * What one node saw: when it was itself watching (its tab open, connected to the co-op) and,
 * per holder, when that holder was reachable. A holder can only be judged over watched time:
 * a closed tab saw nobody, which says nothing about who was online.
 */
export interface PresenceLog {
  watched: Interval[]
  online: Record<string, Interval[]>
}

/**
 * One holder's presence, weighted so that an observation made `age` ago counts 2^(−age / half-life).
 * `online / watched` is the observed online fraction; both are in decayed milliseconds as of `at`.
 */
export interface PresenceSummary {
  holder: string
  /** Decayed milliseconds during which the holder was seen online. */
  online: number
  /** Decayed milliseconds during which someone was watching. */
  watched: number
  /** The time the weights refer to (ms since the epoch). */
  at: number
}

/** The estimate placement and availability work with. */
export interface UptimeEstimate {
  holder: string
  /** Probability the holder is reachable at a random moment, in [0, 1]. */
  uptime: number
  /** Keepers are marked so the UI can say "always-on" and the prior differs. */
  keeper: boolean
  /** Share of the estimate that comes from observation rather than the prior, in [0, 1). */
  confidence: number
}
