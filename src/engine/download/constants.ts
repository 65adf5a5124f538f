/**
 * Stripes a network download fetches and decodes ahead of the reader. Above core's
 * DEFAULT_STRIPE_CONCURRENCY (the CPU pipeline's look-ahead): each stripe here keeps k shard
 * requests in flight, and more stripes at once spread them over more holders' connections.
 */
export const DOWNLOAD_STRIPES_AHEAD = 4
/** A shard request unanswered for this long gets a parallel request for another shard. */
export const DEFAULT_HEDGE_MS = 5_000
/** How long to wait for a peer change before looking again when shards are missing. */
export const DEFAULT_RETRY_MS = 3_000
/** A peer that failed to connect is not dialled again for this long. */
export const DEFAULT_REDIAL_MS = 3_000
