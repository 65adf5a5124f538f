import { CoreError } from '../errors.ts'

/** A co-op secret is not 32 bytes. */
export class InvalidCoopSecretError extends CoreError {
  static readonly code = 'ERR_INVALID_COOP_SECRET'
  override name = 'InvalidCoopSecretError'
  override readonly code = InvalidCoopSecretError.code
}

/** A sealed announcement is longer than any this version makes: dropped unopened. */
export class SealedTooLargeError extends CoreError {
  static readonly code = 'ERR_SEALED_TOO_LARGE'
  override name = 'SealedTooLargeError'
  override readonly code = SealedTooLargeError.code
}

/** A sealed announcement is too short or has an unknown version byte. */
export class SealedFormatError extends CoreError {
  static readonly code = 'ERR_SEALED_FORMAT'
  override name = 'SealedFormatError'
  override readonly code = SealedFormatError.code
}

/** AES-GCM refused the ciphertext: sealed under another key, or altered on the way. */
export class SealOpenError extends CoreError {
  static readonly code = 'ERR_SEAL_OPEN'
  override name = 'SealOpenError'
  override readonly code = SealOpenError.code
}

/** The opened plaintext is not a well-formed announcement (or one was asked to be sealed). */
export class AnnouncementFormatError extends CoreError {
  static readonly code = 'ERR_ANNOUNCEMENT_FORMAT'
  override name = 'AnnouncementFormatError'
  override readonly code = AnnouncementFormatError.code
}

/** A handshake message has the wrong size, version or kind. */
export class HandshakeFormatError extends CoreError {
  static readonly code = 'ERR_HANDSHAKE_FORMAT'
  override name = 'HandshakeFormatError'
  override readonly code = HandshakeFormatError.code
}
