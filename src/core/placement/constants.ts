// The default code shape (DEFAULT_K + DEFAULT_N) has its one home in ../constants.ts.
export { DEFAULT_K, DEFAULT_N } from '../constants.ts'
/** Copies of the manifest block kept on other peers when no other number is asked for. */
export const DEFAULT_MANIFEST_COPIES = 8
/** Domain separator of the rendezvous hash, so its scores never collide with another use of SHA-256. */
export const RENDEZVOUS_DOMAIN = 'coffer/placement/1'
