/** Base class so callers can tell Coffer core failures from anything else with one `instanceof`. */
export class CoreError extends Error {
  readonly code: string = 'ERR_CORE'
}

/** Bytes offered as a manifest are not a well-formed, canonical Coffer manifest. */
export class InvalidManifestError extends CoreError {
  static readonly code = 'ERR_INVALID_MANIFEST'
  override name = 'InvalidManifestError'
  override readonly code = InvalidManifestError.code
}

/** The manifest declares a format version this code does not understand. */
export class UnsupportedManifestVersionError extends CoreError {
  static readonly code = 'ERR_UNSUPPORTED_MANIFEST_VERSION'
  override name = 'UnsupportedManifestVersionError'
  override readonly code = UnsupportedManifestVersionError.code
}

/** The manifest would exceed the size limit for one block (the file has too many stripes). */
export class ManifestTooLargeError extends CoreError {
  static readonly code = 'ERR_MANIFEST_TOO_LARGE'
  override name = 'ManifestTooLargeError'
  override readonly code = ManifestTooLargeError.code
}

/** The key does not open the manifest's envelope: it belongs to another file or is damaged. */
export class WrongKeyError extends CoreError {
  static readonly code = 'ERR_WRONG_KEY'
  override name = 'WrongKeyError'
  override readonly code = WrongKeyError.code
}

/** The decrypted envelope is not a valid envelope, or disagrees with the public layout. */
export class InvalidEnvelopeError extends CoreError {
  static readonly code = 'ERR_INVALID_ENVELOPE'
  override name = 'InvalidEnvelopeError'
  override readonly code = InvalidEnvelopeError.code
}

/**
 * A segment failed AES-GCM authentication: its ciphertext was altered, it was moved to another
 * position, taken from another file, or the file was truncated.
 */
export class SegmentAuthenticationError extends CoreError {
  static readonly code = 'ERR_SEGMENT_AUTHENTICATION'
  override name = 'SegmentAuthenticationError'
  override readonly code = SegmentAuthenticationError.code
}

/** The whole plaintext does not hash to the value sealed in the envelope. */
export class PlaintextHashMismatchError extends CoreError {
  static readonly code = 'ERR_PLAINTEXT_HASH_MISMATCH'
  override name = 'PlaintextHashMismatchError'
  override readonly code = PlaintextHashMismatchError.code
}

/** A block's bytes do not hash to the CID it was requested under. */
export class BlockMismatchError extends CoreError {
  static readonly code = 'ERR_BLOCK_MISMATCH'
  override name = 'BlockMismatchError'
  override readonly code = BlockMismatchError.code
}

/**
 * The zero bytes that pad a stripe's data shards to k·shardSize are not all zero: the shards
 * are not the ones the manifest's writer made (FORMAT.md §4), though each matches its CID.
 */
export class ShardPaddingError extends CoreError {
  static readonly code = 'ERR_SHARD_PADDING'
  override name = 'ShardPaddingError'
  override readonly code = ShardPaddingError.code
}

/** Fewer than k valid shards of a stripe could be fetched from the source. */
export class NotEnoughShardsError extends CoreError {
  static readonly code = 'ERR_NOT_ENOUGH_SHARDS'
  override name = 'NotEnoughShardsError'
  override readonly code = NotEnoughShardsError.code
  constructor(
    message: string,
    /** Index of the stripe that could not be recovered. */
    readonly stripe: number,
    /** How many valid shards were obtained (less than k). */
    readonly available: number,
    /** How many are needed. */
    readonly needed: number,
  ) {
    super(message)
  }
}

/** A capability string is malformed: bad characters, bad length, truncated or non-canonical. */
export class InvalidCapabilityError extends CoreError {
  static readonly code = 'ERR_INVALID_CAPABILITY'
  override name = 'InvalidCapabilityError'
  override readonly code = InvalidCapabilityError.code
}

/** A capability carries a version or kind byte this code does not understand. */
export class UnsupportedCapabilityError extends CoreError {
  static readonly code = 'ERR_UNSUPPORTED_CAPABILITY'
  override name = 'UnsupportedCapabilityError'
  override readonly code = UnsupportedCapabilityError.code
}

/** A share link is not of the form `<origin>/#/s/<payload>` (docs/FORMAT.md §9), or its hints are invalid. */
export class InvalidShareLinkError extends CoreError {
  static readonly code = 'ERR_INVALID_SHARE_LINK'
  override name = 'InvalidShareLinkError'
  override readonly code = InvalidShareLinkError.code
}

/** A share link names a link version or hint tag this code does not understand (a newer link). */
export class UnsupportedShareLinkError extends CoreError {
  static readonly code = 'ERR_UNSUPPORTED_SHARE_LINK'
  override name = 'UnsupportedShareLinkError'
  override readonly code = UnsupportedShareLinkError.code
}

/** Encoding parameters (segment size, k, n, metadata) are out of range. */
export class InvalidParametersError extends CoreError {
  static readonly code = 'ERR_INVALID_PARAMETERS'
  override name = 'InvalidParametersError'
  override readonly code = InvalidParametersError.code
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends CoreError {
  static readonly code = 'ABORT_ERR'
  override name = 'AbortError'
  override readonly code = AbortError.code
}

/** A worker of the pool failed or the pool was closed while work was pending. */
export class WorkerPoolError extends CoreError {
  static readonly code = 'ERR_WORKER_POOL'
  override name = 'WorkerPoolError'
  override readonly code = WorkerPoolError.code
}
