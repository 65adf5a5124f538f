/**
 * A member's device not connected for this long counts as gone for good, and the shards it
 * held are repaired onto others (docs/DURABILITY.md): people close laptops for a weekend and
 * go on holiday, and repairing for every absence would move more data than it saves.
 */
export const MEMBER_GONE_AFTER_MS = 14 * 24 * 60 * 60 * 1000
/** A keeper is meant to be always on, so its absence is taken seriously sooner. */
export const KEEPER_GONE_AFTER_MS = 3 * 24 * 60 * 60 * 1000
