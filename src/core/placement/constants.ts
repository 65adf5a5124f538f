/**
 * Default code shape: 4 data + 4 parity shards per stripe. Twice the bytes of the file, any
 * four shards of a stripe rebuild it, and the rule below is met from two other peers upward
 * (distinct holders from eight). See docs/STORAGE.md for the reasoning.
 */
export const DEFAULT_K = 4
export const DEFAULT_N = 8
/** Copies of the manifest block kept on other peers when no other number is asked for. */
export const DEFAULT_MANIFEST_COPIES = 8
/** Domain separator of the rendezvous hash, so its scores never collide with another use of SHA-256. */
export const RENDEZVOUS_DOMAIN = 'coffer/placement/1'
