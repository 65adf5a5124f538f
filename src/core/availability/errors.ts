import { CoreError } from '../errors.ts'

/** An uptime is not a number in [0, 1], or k is not a positive integer. */
export class InvalidAvailabilityInputError extends CoreError {
  static readonly code = 'ERR_INVALID_AVAILABILITY_INPUT'
  override name = 'InvalidAvailabilityInputError'
  override readonly code = InvalidAvailabilityInputError.code
}
