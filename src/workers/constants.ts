/** Upper bound on pool workers: past the core count they only add memory. */
export const MAX_POOL_SIZE = 4
export const DEFAULT_POOL_SIZE = 2
