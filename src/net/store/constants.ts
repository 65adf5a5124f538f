import { MAX_BLOCK_BYTES } from '../../core/protocol/index.ts'

export const STORE_PROTOCOL = '/coffer/store/1.0.0'
/** Whole exchange (request in, block written, receipt out); a 4 MiB block at 1 MB/s fits. */
export const STORE_TIMEOUT_MS = 30_000
/** Largest block this holder accepts; never more than the wire limit. */
export const STORE_MAX_BLOCK_BYTES = MAX_BLOCK_BYTES
/** A signed delete older or newer than this (holder's clock) is refused as stale. */
export const DELETE_MAX_CLOCK_SKEW_MS = 10 * 60_000
/**
 * Uploads send one shard per stream. An upload keeps up to 3 stripes in flight and may place up
 * to n − k of a stripe's shards on one peer when few are online: 3 × 8 streams must fit.
 */
export const STORE_MAX_INBOUND_STREAMS = 24
export const STORE_MAX_OUTBOUND_STREAMS = 24
/** Largest answer a client reads: a receipt, or a delete-ok listing up to 1024 CIDs. */
export const MAX_RESPONSE_BYTES = 128 * 1024
