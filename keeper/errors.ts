/** A command-line flag or environment variable has a value the keeper cannot use. */
export class KeeperConfigError extends Error {
  override name = 'KeeperConfigError'
}
