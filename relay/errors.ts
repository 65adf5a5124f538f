/** A command-line flag or environment variable has a value the relay cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}
