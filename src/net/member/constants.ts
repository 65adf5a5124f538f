export const MEMBER_PROTOCOL = '/coffer/member/1.0.0'
/** One whole handshake, four small messages: generous for a busy 2-core machine. */
export const HANDSHAKE_TIMEOUT_MS = 10_000
/** A peer opens one handshake per connection; a few more cover duplicates crossing. */
export const MEMBER_MAX_INBOUND_STREAMS = 4
export const MEMBER_MAX_OUTBOUND_STREAMS = 4
/**
 * A holder's request from a peer whose handshake is still running waits for it this long at
 * most (the handshake and the first store request leave on different streams at once).
 */
export const PENDING_PROOF_WAIT_MS = 10_000

/**
 * Fetch and has stay open to guests (share links, no secret), paced per peer by a token
 * bucket: 20 requests a second sustained, bursts of 40. A request beyond that waits for a
 * token (it is slowed, not refused); proven members are never paced.
 */
export const GUEST_REQUESTS_PER_SECOND = 20
export const GUEST_BURST = 40
/** Guests tracked at once; the idlest are forgotten first. */
export const GUEST_MAX_TRACKED = 1024
