/** Upper bound on pool workers: past the core count they only add memory. */
export const MAX_POOL_SIZE = 4
/** Workers when the core count is unknown. */
export const DEFAULT_POOL_SIZE = 2
/** Lower bound when the core count is known (see defaultSize in pool.ts). */
export const MIN_POOL_SIZE = 2
/** Stripes in flight per worker: enough to overlap WebCrypto's thread with the coding. */
export const JOBS_PER_WORKER = 2
