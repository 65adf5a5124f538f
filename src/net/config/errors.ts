/** The relay's /config.json answered, but not with a list of relay multiaddrs. */
export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError'
}
