/** No open connection to the peer without limits: shard bytes never travel over a relay. */
export class NoDirectConnectionError extends Error {
  static readonly code = 'ERR_NO_DIRECT_CONNECTION'
  override name = 'NoDirectConnectionError'
  readonly code = NoDirectConnectionError.code
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

/** The holder sent bytes whose hash is not the CID asked for: a damaged or dishonest holder. */
export class CorruptBlockError extends Error {
  static readonly code = 'ERR_CORRUPT_BLOCK'
  override name = 'CorruptBlockError'
  readonly code = CorruptBlockError.code
}
