import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from './errors.ts'
import { isIP } from 'node:net'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, IDENTITY_FILE } from './constants.ts'
import { LIMIT_FLAGS, limitHelp, type RelayLimits } from './limits.ts'
import { normaliseIp } from './client-address.ts'

export interface RelayConfig extends RelayLimits {
  /** Interface to listen on; 0.0.0.0 for all. */
  host: string
  /** TCP port for HTTP and WebSocket together; 0 picks a free port. */
  port: number
  /** Multiaddrs to advertise instead of the listening ones (e.g. behind a TLS proxy). */
  announce: string[]
  /** Where the identity key lives when `identityFile` is not given. */
  dataDir: string
  /** Protobuf-encoded private key; created on first start so the peer ID is stable. */
  identityFile: string
  /** Reverse proxies whose X-Forwarded-For names the real client. */
  trustedProxies: string[]
  /** Whether GET /metrics answers (Prometheus text format). */
  metrics: boolean
  /** Directory of a built web app to serve, or undefined. */
  appDir?: string
}

export const HELP = `Usage: coffer-relay [options]

Runs a Coffer relay: libp2p circuit relay v2 over WebSockets, identify, ping and a
gossipsub router for co-op peer discovery. Serves GET /health, GET /config.json and,
with --app, a built Coffer web app, all on the same port as the WebSocket listener.

Options (each also settable by the environment variable shown):
  --host <addr>             interface to listen on            COFFER_RELAY_HOST      (default ${DEFAULT_HOST})
  --port <n>                TCP port, 0 = any free port       COFFER_RELAY_PORT      (default ${DEFAULT_PORT})
  --announce <multiaddr>    address to advertise instead of   COFFER_RELAY_ANNOUNCE  (comma-separated)
                            the listening ones, e.g. behind a TLS reverse proxy:
                            /dns4/relay.example.org/tcp/443/wss (repeatable)
  --data-dir <dir>          state directory                   COFFER_RELAY_DATA_DIR  (default ./${DEFAULT_DATA_DIR})
  --identity <file>         private key file, created on      COFFER_RELAY_IDENTITY  (default <data-dir>/${IDENTITY_FILE})
                            first start; keeps the peer ID stable
  --trusted-proxy <ip>      a reverse proxy whose             COFFER_RELAY_TRUSTED_PROXIES (comma-separated)
                            X-Forwarded-For header is believed (repeatable); from any
                            other peer the header is ignored
  --app <dir>               serve this built web app at /     COFFER_RELAY_APP
  --no-metrics              do not serve GET /metrics         COFFER_RELAY_METRICS=off
                            (Prometheus text; on by default)
  -h, --help                show this help

Limits (per client IP = per TCP peer, or per forwarded address behind a trusted proxy):
${limitHelp()}

Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a runtime failure,
2 on a bad flag or value.
`

export type ParsedArgs = { help: true } | { help: false; config: RelayConfig }

type Env = Record<string, string | undefined>

/** Parses command-line flags, falling back to environment variables, then defaults. */
export function parseConfig(argv: string[], env: Env = {}, cwd = process.cwd()): ParsedArgs {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        announce: { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        identity: { type: 'string' },
        'trusted-proxy': { type: 'string', multiple: true },
        ...Object.fromEntries(LIMIT_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
        app: { type: 'string' },
        'no-metrics': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  if (values.help === true) return { help: true }

  const str = (flag: string, envName: string): string | undefined => {
    const v = values[flag]
    if (typeof v === 'string') return v
    const e = env[envName]
    return e === undefined || e === '' ? undefined : e
  }

  const host = str('host', 'COFFER_RELAY_HOST') ?? DEFAULT_HOST
  if (!/^[0-9a-fA-F.:]+$/.test(host) && host !== 'localhost') {
    throw new ConfigError(`--host must be an IP address or localhost, got "${host}"`)
  }
  const port = int(str('port', 'COFFER_RELAY_PORT'), '--port', DEFAULT_PORT, 0, 65535)

  const announceFlag = values.announce
  const announce = Array.isArray(announceFlag)
    ? announceFlag
    : (env.COFFER_RELAY_ANNOUNCE ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
  for (const a of announce) {
    try {
      multiaddr(a)
    } catch {
      throw new ConfigError(`--announce must be a multiaddr, got "${a}"`)
    }
    if (!a.includes('/ws') && !a.includes('/wss')) {
      throw new ConfigError(`--announce must be a WebSocket address (/ws or /wss), got "${a}"`)
    }
  }

  const dataDir = resolve(cwd, str('data-dir', 'COFFER_RELAY_DATA_DIR') ?? DEFAULT_DATA_DIR)
  const identityFile = resolve(
    cwd,
    str('identity', 'COFFER_RELAY_IDENTITY') ?? join(dataDir, IDENTITY_FILE),
  )
  const limits = {} as RelayLimits
  for (const f of LIMIT_FLAGS) {
    limits[f.key] = int(str(f.flag, f.env), `--${f.flag}`, f.fallback, f.min, f.max)
  }
  const proxyFlag = values['trusted-proxy']
  const trustedProxies = (
    Array.isArray(proxyFlag) ? proxyFlag : (env.COFFER_RELAY_TRUSTED_PROXIES ?? '').split(',')
  )
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const p of trustedProxies) {
    if (isIP(p) === 0) throw new ConfigError(`--trusted-proxy must be an IP address, got "${p}"`)
  }
  const app = str('app', 'COFFER_RELAY_APP')
  const config: RelayConfig = {
    host,
    port,
    announce,
    dataDir,
    identityFile,
    trustedProxies: trustedProxies.map(normaliseIp),
    metrics: values['no-metrics'] !== true && env.COFFER_RELAY_METRICS !== 'off',
    ...limits,
  }
  if (app !== undefined) config.appDir = resolve(cwd, app)
  return { help: false, config }
}

function int(
  raw: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${flag} must be a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) {
    throw new ConfigError(`${flag} must be between ${min} and ${max}, got ${n}`)
  }
  return n
}
