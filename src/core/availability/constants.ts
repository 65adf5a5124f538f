/**
 * A file counts as safe when the model gives it at least this probability of being readable at a
 * random moment: 99.9 %, i.e. unreadable for under 9 hours a year. docs/DURABILITY.md shows what
 * that costs in expansion for the co-op shapes the simulator runs.
 */
export const DEFAULT_TARGET_AVAILABILITY = 0.999
/**
 * The exact computation keeps one state per combination of stripes' reachable counts. Placement
 * gives every stripe of a file the same members, so real files need a handful; a file whose
 * stripes went separate ways could need more, and past this the answer becomes a lower bound.
 */
export const MAX_EXACT_STATES = 20_000
