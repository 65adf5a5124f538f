/** Base class of every store/fetch wire error, so callers can catch them with one `instanceof`. */
export class WireError extends Error {
  readonly code: string = 'ERR_WIRE'
}

/** A frame or message is larger than the limit in force. */
export class MessageTooLargeError extends WireError {
  static readonly code = 'ERR_MESSAGE_TOO_LARGE'
  override name = 'MessageTooLargeError'
  override readonly code = MessageTooLargeError.code
}

/** The length prefix is not a minimal unsigned varint of at most five bytes. */
export class InvalidLengthPrefixError extends WireError {
  static readonly code = 'ERR_INVALID_LENGTH_PREFIX'
  override name = 'InvalidLengthPrefixError'
  override readonly code = InvalidLengthPrefixError.code
}

/** The stream ended in the middle of a frame, or before any frame. */
export class TruncatedMessageError extends WireError {
  static readonly code = 'ERR_TRUNCATED_MESSAGE'
  override name = 'TruncatedMessageError'
  override readonly code = TruncatedMessageError.code
}

/** The bytes are not canonical dag-cbor, or a field is missing, extra, of the wrong type or out of range. */
export class MalformedMessageError extends WireError {
  static readonly code = 'ERR_MALFORMED_MESSAGE'
  override name = 'MalformedMessageError'
  override readonly code = MalformedMessageError.code
}

/** The message declares a protocol version this code does not speak. */
export class UnsupportedVersionError extends WireError {
  static readonly code = 'ERR_UNSUPPORTED_VERSION'
  override name = 'UnsupportedVersionError'
  override readonly code = UnsupportedVersionError.code
}

/** A well-formed message of a type that is not allowed at this point of the exchange. */
export class UnexpectedMessageError extends WireError {
  static readonly code = 'ERR_UNEXPECTED_MESSAGE'
  override name = 'UnexpectedMessageError'
  override readonly code = UnexpectedMessageError.code
}
