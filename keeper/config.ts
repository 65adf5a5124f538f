import { HELP, OPTIONS, type KeeperConfig } from './options.ts'
import { KeeperConfigError } from './errors.ts'

export { HELP }

export type ParsedArgs = { help: true } | { help: false; config: KeeperConfig }

/** Reads flags over environment variables over defaults; throws KeeperConfigError on any doubt. */
export function parseArgs(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  const given = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return { help: true }
    const eq = arg.indexOf('=')
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : undefined
    const spec = OPTIONS.find((o) => o.flag === name)
    if (spec === undefined) throw new KeeperConfigError(`unknown option '${arg}'`)
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1)
    if (value === undefined) throw new KeeperConfigError(`--${spec.flag} needs a value`)
    if (!spec.list && given.has(spec.flag)) {
      throw new KeeperConfigError(`--${spec.flag} is given twice`)
    }
    given.set(spec.flag, [...(given.get(spec.flag) ?? []), value])
  }
  const config: Record<string, unknown> = {}
  for (const spec of OPTIONS) {
    const fromEnv = env[spec.env]
    const texts =
      given.get(spec.flag) ??
      (fromEnv !== undefined && fromEnv !== ''
        ? spec.list === true
          ? fromEnv.split(',').map((s) => s.trim())
          : [fromEnv]
        : spec.fallback !== undefined
          ? [spec.fallback]
          : [])
    if (texts.length === 0 && spec.list !== true) {
      throw new KeeperConfigError(`--${spec.flag} ${spec.arg} is required (or ${spec.env})`)
    }
    const values = texts.map((t) => spec.read(t, spec.flag))
    config[spec.key] = spec.list === true ? values : values[0]
  }
  return { help: false, config: config as unknown as KeeperConfig }
}
