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
