/** Base of every reason an invite link is refused; catch this to show "invalid invite". */
export class InvalidInviteError extends Error {
  override name = 'InvalidInviteError'
}

/** The link has no `#/join/…` fragment. */
export class InviteMissingError extends InvalidInviteError {
  override name = 'InviteMissingError'
}

/** The fragment is not base64url-encoded JSON, or is longer than an invite can be. */
export class InviteEncodingError extends InvalidInviteError {
  override name = 'InviteEncodingError'
}

/** The JSON decodes but a field is missing, of the wrong type or out of range. */
export class InviteContentError extends InvalidInviteError {
  override name = 'InviteContentError'
}

/**
 * The invite was made by a Coffer from before co-op secrets (version 1): it cannot let anyone
 * in any more. The message tells the user what to do.
 */
export class InviteOutdatedError extends InvalidInviteError {
  override name = 'InviteOutdatedError'
}

/** A co-op without its secret cannot join the network: it was never migrated (see loadCoop). */
export class MissingCoopSecretError extends Error {
  override name = 'MissingCoopSecretError'
}

/** A co-op was given no usable relay address. */
export class NoRelayError extends Error {
  override name = 'NoRelayError'
}

/** A WebRTC connection opened but never carried identify: closed, as nothing can pass it. */
export class UnprovenConnectionError extends Error {
  override name = 'UnprovenConnectionError'
}

/** No relay of the co-op could set up a direct WebRTC connection to the peer. */
export class DirectDialError extends Error {
  override name = 'DirectDialError'
}
