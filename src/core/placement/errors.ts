/** The code shape is not 1 ≤ k < n ≤ 256 with integers, or the shard list does not have n entries. */
export class InvalidCodeShapeError extends Error {
  static readonly code = 'ERR_INVALID_CODE_SHAPE'
  override name = 'InvalidCodeShapeError'
  readonly code = InvalidCodeShapeError.code
}

/** A candidate peer was described with an empty id or a negative/non-finite free space. */
export class InvalidCandidateError extends Error {
  static readonly code = 'ERR_INVALID_CANDIDATE'
  override name = 'InvalidCandidateError'
  readonly code = InvalidCandidateError.code
}
