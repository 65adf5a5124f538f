/** Stripes being stored at once: keeps several peers' connections busy while the next encodes. */
export const STORE_STRIPE_CONCURRENCY = 3
/** Free-space answers are reused this long before the peers are asked again. */
export const CANDIDATE_TTL_MS = 3_000
/** Progress callbacks at most this often, so a fast upload does not flood the UI. */
export const PROGRESS_INTERVAL_MS = 200
/** Tries at placing a stripe's k pieces before the upload stops and waits for a Resume. */
export const STRIPE_PLACE_ATTEMPTS = 3
/** Wait before the second try (the third waits twice as long), so busy peers can recover. */
export const STRIPE_PLACE_RETRY_MS = 2_000
/** How long a peer whose store failed gets to answer the delete of the copy it may have kept. */
export const STRAY_RELEASE_TIMEOUT_MS = 5_000
