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
const DAY_MS = 24 * 60 * 60 * 1000
/**
 * A member not seen for 14 days counts as gone: its shards are rebuilt elsewhere. Shorter would
 * rebuild for every holiday; docs/DURABILITY.md shows 14 days costs little durability.
 */
export const MEMBER_GONE_AFTER_MS = 14 * DAY_MS
/** A keeper is a server with an operator: 3 days down means a dead disk or a lost pod, not a holiday. */
export const KEEPER_GONE_AFTER_MS = 3 * DAY_MS
/**
 * Lazy repair: a stripe is rebuilt when losing its most loaded member would leave fewer than
 * k + 2 shards. With one shard per member that is "at k + 2 live shards"; with keepers holding
 * several it is sooner, since one keeper's disk takes several shards at once. Waiting batches
 * the k reads a rebuild costs over several lost shards; the margin covers losses that happen
 * before the repair has run.
 */
export const REPAIR_MARGIN = 2
