/** Where the keeper listens for browsers and other members when `--listen` is not given. */
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/9091/ws'
export const DEFAULT_HTTP_HOST = '127.0.0.1'
export const DEFAULT_HTTP_PORT = 9092
/** Pledge when `--pledge` is not given: a small default, so a forgotten flag fills no disk. */
export const DEFAULT_PLEDGE = '10GB'
/** The identity key inside the data directory (keeps the peer ID members know across restarts). */
export const PEER_KEY_FILE = 'peer-key'
/** How often the keeper looks for a relay it is not connected to. */
export const RELAY_CHECK_MS = 2_000
/** A shutdown that takes longer than this is cut short. */
export const SHUTDOWN_TIMEOUT_MS = 10_000
/** HTTP requests: the keeper answers GETs only, so heads and waits stay small. */
export const HTTP_MAX_HEADER_BYTES = 16 * 1024
export const HTTP_REQUEST_TIMEOUT_MS = 10_000
