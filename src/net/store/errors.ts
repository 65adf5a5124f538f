import type { ErrorCode } from '../../core/protocol/index.ts'

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
