import type { ErrorCode } from '../../core/protocol/index.ts'

/** No open connection to the peer without limits: shard bytes never travel over a relay. */
export class NoDirectConnectionError extends Error {
  static readonly code = 'ERR_NO_DIRECT_CONNECTION'
  override name = 'NoDirectConnectionError'
  readonly code = NoDirectConnectionError.code
}

/** The holder answered with an error (pledge full, CID mismatch, bad signature, …). */
export class StoreRefusedError extends Error {
  static readonly code = 'ERR_STORE_REFUSED'
  override name = 'StoreRefusedError'
  readonly code = StoreRefusedError.code
  /** The holder's reason, e.g. 'PLEDGE_FULL'. */
  readonly reason: ErrorCode | 'UNKNOWN'

  constructor(reason: ErrorCode | 'UNKNOWN', message: string) {
    super(`${reason}: ${message}`)
    this.reason = reason
  }
}

/** A receipt that does not match the request or whose signature does not verify. */
export class InvalidReceiptError extends Error {
  static readonly code = 'ERR_INVALID_RECEIPT'
  override name = 'InvalidReceiptError'
  readonly code = InvalidReceiptError.code
}

/** The peer's id does not embed its public key (e.g. RSA), so its signatures cannot be checked. */
export class UnverifiablePeerError extends Error {
  static readonly code = 'ERR_UNVERIFIABLE_PEER'
  override name = 'UnverifiablePeerError'
  readonly code = UnverifiablePeerError.code
}

/** None of the known holders of a block could deliver it (offline, missing, or bad bytes). */
export class NoHolderError extends Error {
  static readonly code = 'ERR_NO_HOLDER'
  override name = 'NoHolderError'
  readonly code = NoHolderError.code
}

/**
 * Opening or using a stream failed with something that is not an `Error`: libp2p's WebRTC
 * stream rejects with a DOM `Event` when a data channel closes before it opens.
 */
export class StreamFailedError extends Error {
  static readonly code = 'ERR_STREAM_FAILED'
  override name = 'StreamFailedError'
  readonly code = StreamFailedError.code
}

/** The service stopped while a request waited for a stream to the peer. */
export class StreamPoolClosedError extends Error {
  static readonly code = 'ERR_STREAM_POOL_CLOSED'
  override name = 'StreamPoolClosedError'
  readonly code = StreamPoolClosedError.code
}

/** The peer sent more bytes than one message ahead of the reader (it did not wait for answers). */
export class StreamOverflowError extends Error {
  static readonly code = 'ERR_STREAM_OVERFLOW'
  override name = 'StreamOverflowError'
  readonly code = StreamOverflowError.code
}
