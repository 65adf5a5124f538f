export const DEFAULT_HOST = '0.0.0.0'
export const DEFAULT_PORT = 9090
export const DEFAULT_DATA_DIR = '.relay-data'
export const IDENTITY_FILE = 'peer-key'
/** libp2p's default is 15; a co-op relay introduces every open tab of every member. */
export const DEFAULT_MAX_RESERVATIONS = 1024
export const DEFAULT_MAX_CONNECTIONS = 2048
/** Discovery topics peers may make the relay route; anything else is ignored. */
export const DISCOVERY_TOPIC_PREFIX = '/coffer/discovery/1.0.0/'
/** Upper bound on routed topics, so a peer cannot make the relay subscribe without limit. */
export const MAX_DISCOVERY_TOPICS = 10_000
/** Discovery messages are a peer ID and a few addresses. */
export const MAX_PUBSUB_MESSAGE_BYTES = 16 * 1024

// ---- STUN and TURN (relay/stun.ts, relay/turn.ts, relay/ice.ts)
/** The IANA STUN port; members' browsers reach it over UDP. */
export const DEFAULT_STUN_PORT = 3478
/** A Binding request is a header and a few attributes; RFC 8489 §6.1 keeps messages under 548. */
export const STUN_MAX_MESSAGE_BYTES = 548
/** A browser sends a few Binding requests per ICE gathering; a flood from one address is not that. */
export const DEFAULT_STUN_IP_RATE = 10
export const DEFAULT_STUN_IP_BURST = 40
/** Replies per second in total, so the port cannot be used to flood anyone. */
export const DEFAULT_STUN_GLOBAL_RATE = 5_000
export const DEFAULT_STUN_MAX_TRACKED_IPS = 10_000
/**
 * Lifetime of the TURN credentials handed to members. coturn refuses an expired credential
 * also when an allocation is refreshed, so a connection through TURN lasts at most this long
 * before the peers dial again (with fresh credentials); short enough that a leaked one is
 * soon useless.
 */
export const DEFAULT_TURN_TTL_S = 3_600
export const MAX_TURN_TTL_S = 86_400
export const MAX_TURN_SECRET_BYTES = 4_096
export const MAX_ICE_URL_CHARS = 256
/** Chromium warns, and gathers slower, with five or more ICE servers. */
export const MAX_STUN_URLS = 2
export const MAX_ICE_SERVER_FLAGS = 4
