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
/** Open WebSockets from one client IP (a community centre behind one NAT fits well inside). */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 128
/**
 * New connections per second from one client IP (libp2p's default of 5 would turn away a
 * community centre's members reconnecting together after a relay restart).
 */
export const DEFAULT_CONNECTION_RATE_PER_IP = 20
/** Connections still in the noise/yamux handshake, all clients together. */
export const DEFAULT_MAX_PENDING_UPGRADES = 256
/** Seconds a new connection has to finish its noise and yamux handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_S = 10
/**
 * Seconds a connection may stay open without a reservation or a relayed circuit, so idle
 * sockets held by a stranger cannot use up the connection limits; 0 keeps them.
 */
export const DEFAULT_IDLE_TIMEOUT_S = 60
/** Largest WebSocket message: libp2p's noise frames are at most 64 KiB. */
export const DEFAULT_MAX_WS_PAYLOAD = 256 * 1024
/** Bytes queued to one socket before the relay waits for it to drain. */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024
/** Concurrent inbound yamux streams on one connection. */
export const DEFAULT_MAX_STREAMS = 64
/** Reservations held by peers behind one IP. */
export const DEFAULT_MAX_RESERVATIONS_PER_IP = 64
/** Bytes one relayed connection may carry (signalling only; shards never go through). */
export const DEFAULT_RELAY_DATA_LIMIT = 128 * 1024
/** Seconds one relayed connection may stay open. */
export const DEFAULT_RELAY_DURATION_S = 120
/** Request line and headers, together. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024
/** Request bodies: the relay takes none, so only a small one is read at all. */
export const DEFAULT_MAX_BODY_BYTES = 1024
/** Seconds for a client to send its whole request head (slowloris). */
export const DEFAULT_HEADERS_TIMEOUT_S = 10
/** Seconds for a whole request, body included. */
export const DEFAULT_REQUEST_TIMEOUT_S = 30
/** The relay's gossipsub mesh degree: large enough to mesh with every member of a co-op. */
export const RELAY_MESH_DEGREE = 10_000

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
/** A relay config file is a few dozen settings. */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024
/** How often refusals are summed up in the log. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000
/** libp2p's stream inactivity timeout, kept for the relay's sockets (pings keep members busy). */
export const WS_INACTIVITY_TIMEOUT_MS = 120_000

// ---- Meshed relays (relay/mesh.ts)
/** First wait before dialling a mesh relay again after it was lost or refused. */
export const MESH_REDIAL_MIN_MS = 1_000
/** Longest wait between dials of a mesh relay that stays down. */
export const MESH_REDIAL_MAX_MS = 30_000
/** Other relays one relay meshes with (each is one long-lived connection). */
export const MAX_MESH_RELAYS = 16
