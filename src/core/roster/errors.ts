import { CoreError } from '../errors.ts'

/** Base class of every roster failure, so callers can catch the whole family at once. */
export class RosterError extends CoreError {
  static readonly code: string = 'ERR_ROSTER'
  override name = 'RosterError'
  override readonly code: string = RosterError.code
}

/** Bytes offered as an op, invite or certificate are not a well-formed, canonical encoding. */
export class MalformedRosterDataError extends RosterError {
  static override readonly code = 'ERR_MALFORMED_ROSTER_DATA'
  override name = 'MalformedRosterDataError'
  override readonly code = MalformedRosterDataError.code
}

/** An encoding is larger than its limit (MAX_OP_BYTES, MAX_INVITE_BYTES). */
export class RosterDataTooLargeError extends RosterError {
  static override readonly code = 'ERR_ROSTER_DATA_TOO_LARGE'
  override name = 'RosterDataTooLargeError'
  override readonly code = RosterDataTooLargeError.code
}

/** A signature (op, name claim or device proof) does not verify under the key it names. */
export class RosterSignatureError extends RosterError {
  static override readonly code = 'ERR_ROSTER_SIGNATURE'
  override name = 'RosterSignatureError'
  override readonly code = RosterSignatureError.code
}

/** The op belongs to another co-op than the roster it is offered to. */
export class WrongCoopError extends RosterError {
  static override readonly code = 'ERR_WRONG_COOP'
  override name = 'WrongCoopError'
  override readonly code = WrongCoopError.code
}

/** The op's claimed time is further in the future than the receiver's clock allows. */
export class OpFromTheFutureError extends RosterError {
  static override readonly code = 'ERR_OP_FROM_THE_FUTURE'
  override name = 'OpFromTheFutureError'
  override readonly code = OpFromTheFutureError.code
}

/** The roster already holds MAX_ROSTER_OPS operations. */
export class RosterFullError extends RosterError {
  static override readonly code = 'ERR_ROSTER_FULL'
  override name = 'RosterFullError'
  override readonly code = RosterFullError.code
}

/** The invite's signature does not verify, or it was not issued for this co-op. */
export class InviteSignatureError extends RosterError {
  static override readonly code = 'ERR_INVITE_SIGNATURE'
  override name = 'InviteSignatureError'
  override readonly code = InviteSignatureError.code
}

/** The invite's expiry is past. */
export class InviteExpiredError extends RosterError {
  static override readonly code = 'ERR_INVITE_EXPIRED'
  override name = 'InviteExpiredError'
  override readonly code = InviteExpiredError.code
}

/** The invite was already used its maximum number of times. */
export class InviteUsedUpError extends RosterError {
  static override readonly code = 'ERR_INVITE_USED_UP'
  override name = 'InviteUsedUpError'
  override readonly code = InviteUsedUpError.code
}

/** An admin revoked the invite. */
export class InviteRevokedError extends RosterError {
  static override readonly code = 'ERR_INVITE_REVOKED'
  override name = 'InviteRevokedError'
  override readonly code = InviteRevokedError.code
}

/** The invite's issuer is not (or no longer) allowed to grant the role it names. */
export class InviteIssuerError extends RosterError {
  static override readonly code = 'ERR_INVITE_ISSUER'
  override name = 'InviteIssuerError'
  override readonly code = InviteIssuerError.code
}
