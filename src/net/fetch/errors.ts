/** The holder does not have the block. */
export class BlockNotFoundError extends Error {
  static readonly code = 'ERR_BLOCK_NOT_FOUND'
  override name = 'BlockNotFoundError'
  readonly code = BlockNotFoundError.code
}

/** The holder answered with an error or with a message that does not fit the request. */
export class FetchFailedError extends Error {
  static readonly code = 'ERR_FETCH_FAILED'
  override name = 'FetchFailedError'
  readonly code = FetchFailedError.code
}
