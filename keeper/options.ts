import { multiaddr } from '@multiformats/multiaddr'
import {
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_LISTEN,
  DEFAULT_PLEDGE,
} from './constants.ts'
import { KeeperConfigError } from './errors.ts'

export type LogFormat = 'text' | 'json'

/** Everything the keeper runs with, from flags and environment variables. */
export interface KeeperConfig {
  /** The invite link the keeper joins its co-op with. */
  join: string
  dataDir: string
  pledgeBytes: number
  listen: string[]
  announce: string[]
  httpHost: string
  httpPort: number
  logFormat: LogFormat
}

/** One option: its flag, its environment variable, its help line, and how its text is read. */
interface OptionSpec {
  key: keyof KeeperConfig
  flag: string
  env: string
  arg: string
  help: string
  fallback?: string
  /** Repeatable (flags add up; the environment variable is comma-separated). */
  list?: boolean
  read: (text: string, flag: string) => unknown
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
}

/** `200GB`, `1.5TB`, `512MiB`, `1000000`: decimal units as the app shows sizes, binary too. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = SIZE_UNITS[(m?.[2] ?? '').toUpperCase()]
  const bytes = m === null || unit === undefined ? NaN : Math.floor(Number(m[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new KeeperConfigError(`--${flag} wants a size such as 200GB or 512MiB, not '${text}'`)
  }
  return bytes
}

function readMultiaddr(text: string, flag: string): string {
  try {
    const ma = multiaddr(text)
    if (!ma.getComponents().some((c) => c.name === 'ws' || c.name === 'wss')) {
      throw new Error('not a WebSocket address')
    }
    return ma.toString()
  } catch (err) {
    throw new KeeperConfigError(`--${flag} '${text}': ${(err as Error).message}`)
  }
}

function readPort(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new KeeperConfigError(`--${flag} wants a port from 0 to 65535, not '${text}'`)
  }
  return n
}

function readNonEmpty(text: string, flag: string): string {
  if (text.trim() === '') throw new KeeperConfigError(`--${flag} must not be empty`)
  return text
}

function readLogFormat(text: string, flag: string): LogFormat {
  if (text !== 'text' && text !== 'json') {
    throw new KeeperConfigError(`--${flag} is 'text' or 'json', not '${text}'`)
  }
  return text
}

const option = (spec: Omit<OptionSpec, 'env'>): OptionSpec => ({
  ...spec,
  env: `COFFER_KEEPER_${spec.flag.replace(/-/g, '_').toUpperCase()}`,
})

/** The keeper's options, in the order `--help` lists them. */
export const OPTIONS: OptionSpec[] = [
  option({ key: 'join', flag: 'join', arg: '<invite>', help: 'invite link', read: readNonEmpty }),
  option({
    key: 'dataDir',
    flag: 'data',
    arg: '<dir>',
    help: 'shards, journal, key',
    read: readNonEmpty,
  }),
  option({
    key: 'pledgeBytes',
    flag: 'pledge',
    arg: '<size>',
    help: 'space given to the co-op',
    fallback: DEFAULT_PLEDGE,
    read: parseSize,
  }),
  option({
    key: 'listen',
    flag: 'listen',
    arg: '<multiaddr>',
    help: 'WebSocket listen address (repeat)',
    fallback: DEFAULT_LISTEN,
    list: true,
    read: readMultiaddr,
  }),
  option({
    key: 'announce',
    flag: 'announce',
    arg: '<multiaddr>',
    help: 'public address, e.g. wss (repeat)',
    list: true,
    read: readMultiaddr,
  }),
  option({
    key: 'httpHost',
    flag: 'http-host',
    arg: '<host>',
    help: '/health and /metrics host',
    fallback: DEFAULT_HTTP_HOST,
    read: readNonEmpty,
  }),
  option({
    key: 'httpPort',
    flag: 'http-port',
    arg: '<port>',
    help: '/health and /metrics port (0=any)',
    fallback: String(DEFAULT_HTTP_PORT),
    read: readPort,
  }),
  option({
    key: 'logFormat',
    flag: 'log-format',
    arg: '<text|json>',
    help: 'event log lines',
    fallback: 'text',
    read: readLogFormat,
  }),
]

export const HELP = `Usage: coffer-keeper --join <invite link> --data <dir> [--pledge 200GB] [options]

An always-on member of a Coffer co-op: keeps shards on disk, serves them to members and to
share links over WebSockets, and answers GET /health and GET /metrics on its HTTP port.
Each option can also be set by the environment variable shown (lists comma-separated).

${OPTIONS.map((o) => {
  const left = `  --${o.flag} ${o.arg}`.padEnd(28)
  const mid = o.help.padEnd(36)
  return `${left}${mid}${o.env}${o.fallback === undefined ? '' : ` (default ${o.fallback})`}`
}).join('\n')}
${'  --help'.padEnd(28)}this text
`
