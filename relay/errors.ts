/** A command-line flag or environment variable has a value the relay cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The built-in STUN server could not bind its UDP port (in use, or not allowed). */
export class StunBindError extends Error {
  override name = 'StunBindError'
}
