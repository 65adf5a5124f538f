import { readFileSync, statSync } from 'node:fs'
import { ConfigError } from './errors.ts'
import { MAX_CONFIG_FILE_BYTES } from './constants.ts'

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>
export type OptionValues = Record<string, string | string[] | boolean | undefined>

/**
 * Reads a JSON config file whose keys are the long flag names without `--` (e.g.
 * `{"port": 9090, "trusted-proxy": ["127.0.0.1"], "max-connections-per-ip": 64}`), checked
 * against the same options the command line takes, so a typo is an error, not a silent default.
 */
export function readConfigFile(path: string, options: OptionSpec): OptionValues {
  let text: string
  try {
    if (statSync(path).size > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError(`--config ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`)
    }
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`--config ${path} cannot be read: ${(err as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`--config ${path} is not JSON: ${(err as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`--config ${path} must hold one JSON object`)
  }
  const out: OptionValues = {}
  for (const [key, value] of Object.entries(json)) {
    const spec = options[key]
    if (spec === undefined || key === 'config' || key === 'help') {
      throw new ConfigError(`--config ${path}: unknown option "${key}"`)
    }
    out[key] = convert(path, key, value, spec)
  }
  return out
}

function convert(
  path: string,
  key: string,
  value: unknown,
  spec: OptionSpec[string],
): string | string[] | boolean {
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') return v
    if (typeof v === 'number' && Number.isFinite(v)) return String(v)
    throw new ConfigError(`--config ${path}: "${key}" must be a string or a number`)
  }
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean')
      throw new ConfigError(`--config ${path}: "${key}" must be true or false`)
    return value
  }
  if (spec.multiple === true) return Array.isArray(value) ? value.map(scalar) : [scalar(value)]
  return scalar(value)
}
