/** Stripes being stored at once: keeps several peers' connections busy while the next encodes. */
export const STORE_STRIPE_CONCURRENCY = 3
/** Free-space answers are reused this long before the peers are asked again. */
export const CANDIDATE_TTL_MS = 3_000
/** Progress callbacks at most this often, so a fast upload does not flood the UI. */
export const PROGRESS_INTERVAL_MS = 200
