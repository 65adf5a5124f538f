import { MAX_BLOCK_BYTES } from '../../core/protocol/index.ts'

export const STORE_PROTOCOL = '/coffer/store/1.0.0'
/** Whole exchange (request in, block written, receipt out); a 4 MiB block at 1 MB/s fits. */
export const STORE_TIMEOUT_MS = 30_000
/**
 * Shard builds a holder runs at once; more wait their turn. Each reads k shards from other
 * peers, so this also bounds what one owner's requests make a holder download.
 */
export const BUILD_MAX_CONCURRENT = 4
/** Largest block this holder accepts; never more than the wire limit. */
export const STORE_MAX_BLOCK_BYTES = MAX_BLOCK_BYTES
/** A signed delete older or newer than this (holder's clock) is refused as stale. */
export const DELETE_MAX_CLOCK_SKEW_MS = 10 * 60_000
/**
 * Per connection, as libp2p counts them. The owner's pool opens at most
 * STORE_MAX_STREAMS_PER_PEER; the rest is headroom (streams still closing, older clients).
 */
export const STORE_MAX_INBOUND_STREAMS = 24
export const STORE_MAX_OUTBOUND_STREAMS = 24
/**
 * Streams an owner keeps open to one holder, each carrying one exchange at a time. Opening a
 * WebRTC stream costs ~1.3 s (median) against ~0.4 s for a holder to take a shard, so a few
 * reused streams beat one per shard; an upload's other shards for that peer wait their turn.
 */
export const STORE_MAX_STREAMS_PER_PEER = 6
/** Holder: a stream with no new request for this long is closed. */
export const STORE_STREAM_IDLE_TIMEOUT_MS = 30_000
/** Owner: a pooled stream unused for this long is closed; below the holder's, so the owner closes first. */
export const STORE_POOL_IDLE_TIMEOUT_MS = 10_000
/** Largest answer a client reads: a receipt, or a delete-ok listing up to 1024 CIDs. */
export const MAX_RESPONSE_BYTES = 128 * 1024
