/** Invite links put the co-op after this fragment prefix: `<origin>/#/join/<payload>`. */
export const INVITE_FRAGMENT_PREFIX = '#/join/'
/**
 * Version tag inside the invite payload, so the format can change without ambiguity. Version 2
 * adds the co-op secret; a version 1 invite is refused with InviteOutdatedError.
 */
export const INVITE_VERSION = 2
export const INVITE_VERSION_WITHOUT_SECRET = 1
/** The co-op secret as it appears in an invite and in storage: 32 bytes, unpadded base64url. */
export const COOP_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/
/** An invite carries an ID, a short name and a few relay addresses; nothing near this size. */
export const MAX_INVITE_CHARS = 4096
export const MAX_COOP_NAME_CHARS = 64
export const MAX_RELAYS = 8
export const MAX_RELAY_ADDR_CHARS = 256
/** Keepers a relay's /config.json may name; more are ignored. */
export const MAX_KEEPERS = 8
export const DEFAULT_COOP_NAME = 'My co-op'
/** Co-op IDs: 16 random bytes in unpadded lowercase RFC 4648 base32. */
export const COOP_ID_BYTES = 16
export const COOP_ID_PATTERN = /^[a-z2-7]{26}$/

/**
 * Must equal DISCOVERY_TOPIC_PREFIX in relay/constants.ts: the relay only routes topics
 * with this prefix (a unit test keeps the two equal).
 */
export const DISCOVERY_TOPIC_PREFIX = '/coffer/discovery/1.0.0/'
/**
 * How often a peer re-announces itself on the co-op topic while something is unsettled: just
 * started, a member appeared, or a member it heard lately has no direct connection to it.
 */
export const DISCOVERY_INTERVAL_MS = 3_000
/**
 * Re-announce interval once every member heard is directly connected. Each announcement is
 * forwarded by every peer and written to every peer store, so at a fixed 1 s rate six idle
 * peers kept about half of a 2-core machine busy (test/bench, "idle co-op").
 */
export const DISCOVERY_SLOW_INTERVAL_MS = 30_000
/**
 * A peer with the larger ID dials a member itself only when no direct connection came from
 * the other side for this long (a WebRTC dial through the relay takes 1–8 s on a busy machine).
 */
export const FALLBACK_DIAL_AFTER_MS = 12_000
/** The node stays at the fast rate this long after starting or after a change. */
export const DISCOVERY_FAST_PHASE_MS = 30_000
/** A member not heard for this long no longer keeps the node at the fast rate. */
export const MEMBER_QUIET_MS = 2 * DISCOVERY_SLOW_INTERVAL_MS + 5_000
/** Dial retries towards a relay after it goes away: first delay, cap. */
export const RELAY_RETRY_MIN_MS = 500
export const RELAY_RETRY_MAX_MS = 10_000
export const DIAL_TIMEOUT_MS = 20_000
/**
 * A WebRTC connection without limits that has not carried identify by then never will: its
 * RTCPeerConnection did not connect (the dialer gave up mid-ICE). It is closed, so it is
 * neither shown as direct nor returned by libp2p instead of a new dial.
 */
export const UNPROVEN_CONNECTION_MS = 15_000
/** Gossip messages on discovery topics are a peer record; keep them small. */
export const MAX_PUBSUB_MESSAGE_BYTES = 16 * 1024
/**
 * Largest WebRTC data-channel message this node sends. libp2p's default (16 KiB) suits
 * go/rust peers; every Coffer peer is a browser, and Chromium, Firefox and Safari all accept
 * 256 KiB messages, which carry shards with far fewer per-message costs.
 */
export const WEBRTC_MAX_MESSAGE_BYTES = 256 * 1024

// ---- ICE (src/net/ice.ts)
/** The relay's /config.json is a few relay addresses and ICE servers. */
export const MAX_ICE_CONFIG_BYTES = 64 * 1024
/** Chromium warns, and gathers slower, with five or more ICE servers. */
export const MAX_ICE_SERVERS = 4
export const MAX_ICE_URLS_PER_SERVER = 4
export const MAX_ICE_FIELD_CHARS = 256
/** A dial waits for this at most; then it goes on with what it had (or host candidates). */
export const ICE_FETCH_TIMEOUT_MS = 5_000
/** ICE servers without TURN credentials are asked for again after this long. */
export const ICE_CACHE_MS = 10 * 60_000
/** TURN credentials are replaced this long before they expire. */
export const ICE_REFRESH_BEFORE_EXPIRY_S = 300
