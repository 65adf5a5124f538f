// The default code shape (DEFAULT_K + DEFAULT_N) has its one home in ../constants.ts.
export { DEFAULT_K, DEFAULT_N } from '../constants.ts'
/** Copies of the manifest block kept on other peers when no other number is asked for. */
export const DEFAULT_MANIFEST_COPIES = 8
/** Domain separator of the rendezvous hash, so its scores never collide with another use of SHA-256. */
export const RENDEZVOUS_DOMAIN = 'coffer/placement/1'
/** Uptime-aware placement never stores more than 3 bytes per file byte (n ≤ 3k). */
export const MAX_EXPANSION = 3
/**
 * Members whose uptimes differ by less than this step rank as equals and are ordered per stripe
 * by rendezvous hash instead, so equally reliable members share the load across files rather
 * than the one that is online 0.1 % more taking every first shard.
 */
export const UPTIME_STEP = 0.05
