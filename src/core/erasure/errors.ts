/** The requested code shape is outside 1 ≤ k < n ≤ 64, or not made of integers. */
export class InvalidShapeError extends Error {
  static readonly code = 'ERR_INVALID_SHAPE'
  override name = 'InvalidShapeError'
  readonly code = InvalidShapeError.code
}

/** The number of shards handed in does not match the code (k for encode, n for reconstruct). */
export class WrongShardCountError extends Error {
  static readonly code = 'ERR_WRONG_SHARD_COUNT'
  override name = 'WrongShardCountError'
  readonly code = WrongShardCountError.code
}

/** Shards of one stripe must all have the same length. */
export class ShardSizeMismatchError extends Error {
  static readonly code = 'ERR_SHARD_SIZE_MISMATCH'
  override name = 'ShardSizeMismatchError'
  readonly code = ShardSizeMismatchError.code
}

/** Fewer than k shards are present, so the data cannot be recovered. */
export class TooFewShardsError extends Error {
  static readonly code = 'ERR_TOO_FEW_SHARDS'
  override name = 'TooFewShardsError'
  readonly code = TooFewShardsError.code
}

/** The WebAssembly SIMD kernel was explicitly requested but this runtime cannot run it. */
export class WasmUnavailableError extends Error {
  static readonly code = 'ERR_WASM_UNAVAILABLE'
  override name = 'WasmUnavailableError'
  readonly code = WasmUnavailableError.code
}
