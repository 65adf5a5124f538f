export const FETCH_PROTOCOL = '/coffer/fetch/1.0.0'
/** One exchange: one block out, or one has-answer; 4 MiB at 1 MB/s fits. */
export const FETCH_TIMEOUT_MS = 30_000
/** Downloads fetch several shards per peer at once to fill the connection. */
export const FETCH_MAX_INBOUND_STREAMS = 16
export const FETCH_MAX_OUTBOUND_STREAMS = 16
/** Streams a downloader keeps open to one holder, each carrying one exchange at a time. */
export const FETCH_MAX_STREAMS_PER_PEER = 6
/** Holder: a stream with no new request for this long is closed. */
export const FETCH_STREAM_IDLE_TIMEOUT_MS = 30_000
/** Downloader: a pooled stream unused for this long is closed; below the holder's. */
export const FETCH_POOL_IDLE_TIMEOUT_MS = 10_000
