export const FETCH_PROTOCOL = '/coffer/fetch/1.0.0'
/** One block out, or one has-answer; 4 MiB at 1 MB/s fits. */
export const FETCH_TIMEOUT_MS = 30_000
/** Downloads fetch several shards per peer at once to fill the connection. */
export const FETCH_MAX_INBOUND_STREAMS = 16
export const FETCH_MAX_OUTBOUND_STREAMS = 16
