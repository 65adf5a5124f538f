import { CoreError } from '../errors.ts'

/** An interval has a start after its end, or a bound that is not a finite number. */
export class InvalidIntervalError extends CoreError {
  static readonly code = 'ERR_INVALID_INTERVAL'
  override name = 'InvalidIntervalError'
  override readonly code = InvalidIntervalError.code
}

/** A presence summary has negative or non-finite weights, or more online time than watched time. */
export class InvalidSummaryError extends CoreError {
  static readonly code = 'ERR_INVALID_SUMMARY'
  override name = 'InvalidSummaryError'
  override readonly code = InvalidSummaryError.code
}
