/** A peer that failed to connect is not dialled again for this long. */
export const DEFAULT_REDIAL_MS = 3_000
