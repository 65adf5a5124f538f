import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from './errors.ts'
import { isIP } from 'node:net'
import { ICE_OPTIONS, parseIceConfig, type IceConfig } from './ice.ts'
import {
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_STUN_PORT,
  DEFAULT_TURN_TTL_S,
  IDENTITY_FILE,
  MAX_MESH_RELAYS,
} from './constants.ts'
import { LIMIT_FLAGS, limitHelp, type RelayLimits } from './limits.ts'
import { normaliseIp } from './client-address.ts'
import type { LogFormat } from './event-log.ts'
import { readConfigFile, type OptionSpec, type OptionValues } from './config-file.ts'

/** The ICE fields are filled by parseConfig; a relay started in code without them has no STUN or TURN. */
export interface RelayConfig extends RelayLimits, Partial<IceConfig> {
  /** Interface to listen on; 0.0.0.0 for all. */
  host: string
  /** TCP port for HTTP and WebSocket together; 0 picks a free port. */
  port: number
  /** Multiaddrs to advertise instead of the listening ones (e.g. behind a TLS proxy). */
  announce: string[]
  /** The co-op's keepers, listed in /config.json: browsers dial these directly (see README). */
  keepers?: string[]
  /** The pod's other relays: this relay keeps a connection to each and routes discovery with them. */
  mesh?: string[]
  /** Where the identity key lives when `identityFile` is not given. */
  dataDir: string
  /** Protobuf-encoded private key; created on first start so the peer ID is stable. */
  identityFile: string
  /** Reverse proxies whose X-Forwarded-For names the real client. */
  trustedProxies: string[]
  /** Operational events as text lines or JSON lines. */
  logFormat: LogFormat
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
  --keeper <multiaddr>      a keeper members dial directly,   COFFER_RELAY_KEEPERS   (comma-separated)
                            listed in /config.json: .../wss/p2p/<id> (repeatable)
  --mesh <multiaddr>        another relay of this pod to mesh COFFER_RELAY_MESH      (comma-separated)
                            with, as members dial it: .../wss/p2p/<id> (repeatable,
                            at most ${MAX_MESH_RELAYS}); listed in /config.json, so co-ops use both
  --data-dir <dir>          state directory                   COFFER_RELAY_DATA_DIR  (default ./${DEFAULT_DATA_DIR})
  --identity <file>         private key file, created on      COFFER_RELAY_IDENTITY  (default <data-dir>/${IDENTITY_FILE})
                            first start; keeps the peer ID stable
  --trusted-proxy <ip>      a reverse proxy whose             COFFER_RELAY_TRUSTED_PROXIES (comma-separated)
                            X-Forwarded-For header is believed (repeatable); from any
                            other peer the header is ignored
  --app <dir>               serve this built web app at /     COFFER_RELAY_APP
  --stun-port <n>           built-in STUN server, UDP; 0 = off COFFER_RELAY_STUN_PORT (default ${DEFAULT_STUN_PORT})
  --turn-url <url>          coturn server handed to members    COFFER_RELAY_TURN_URL  (comma-separated)
                            with fresh credentials, e.g. turn:turn.example.org:3478 (repeatable)
  --turn-secret-file <f>    coturn's static-auth-secret        COFFER_RELAY_TURN_SECRET_FILE
  --turn-ttl <s>            lifetime of TURN credentials       COFFER_RELAY_TURN_TTL  (default ${DEFAULT_TURN_TTL_S})
  --ice-server <spec>       extra server for members: "<url>"  COFFER_RELAY_ICE_SERVER (comma-separated)
                            or "<url> <username> <credential>" (repeatable; none by default)
  --no-metrics              do not serve GET /metrics         COFFER_RELAY_METRICS=off
                            (Prometheus text; on by default)
  --log-format <text|json>  events as text or JSON lines     COFFER_RELAY_LOG_FORMAT (default text)
  --config <file>           JSON file of these options, keys  COFFER_RELAY_CONFIG
                            without "--" ({"port": 443, "trusted-proxy": ["127.0.0.1"]});
                            flags, then environment, override it
  -h, --help                show this help

Limits (per client IP = per TCP peer, or per forwarded address behind a trusted proxy):
${limitHelp()}

Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a runtime failure,
2 on a bad flag or value.
`

export type ParsedArgs = { help: true } | { help: false; config: RelayConfig }

type Env = Record<string, string | undefined>

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  announce: { type: 'string', multiple: true },
  keeper: { type: 'string', multiple: true },
  mesh: { type: 'string', multiple: true },
  'data-dir': { type: 'string' },
  identity: { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
  ...Object.fromEntries(LIMIT_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
  app: { type: 'string' },
  'no-metrics': { type: 'boolean' },
  'log-format': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...ICE_OPTIONS,
} satisfies OptionSpec & Record<string, { short?: string }>

/** Parses command-line flags, falling back to environment variables, a config file, then defaults. */
export function parseConfig(argv: string[], env: Env = {}, cwd = process.cwd()): ParsedArgs {
  let values: OptionValues
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    }))
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
  if (values.help === true) return { help: true }

  const configPath = typeof values.config === 'string' ? values.config : env.COFFER_RELAY_CONFIG
  const file =
    configPath === undefined || configPath === ''
      ? {}
      : readConfigFile(resolve(cwd, configPath), OPTIONS)

  // A flag beats its environment variable, which beats the config file.
  const str = (flag: string, envName: string): string | undefined => {
    const v = values[flag]
    if (typeof v === 'string') return v
    const e = env[envName]
    if (e !== undefined && e !== '') return e
    const f = file[flag]
    return typeof f === 'string' ? f : undefined
  }
  const list = (flag: string, envName: string): string[] => {
    const v = values[flag]
    if (Array.isArray(v)) return v
    const e = env[envName]
    if (e !== undefined && e !== '') return e.split(',').map((s) => s.trim())
    const f = file[flag]
    return Array.isArray(f) ? f : []
  }

  const host = str('host', 'COFFER_RELAY_HOST') ?? DEFAULT_HOST
  if (!/^[0-9a-fA-F.:]+$/.test(host) && host !== 'localhost') {
    throw new ConfigError(`--host must be an IP address or localhost, got "${host}"`)
  }
  const port = int(str('port', 'COFFER_RELAY_PORT'), '--port', DEFAULT_PORT, 0, 65535)

  const announce = list('announce', 'COFFER_RELAY_ANNOUNCE').filter((s) => s !== '')
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

  const keepers = list('keeper', 'COFFER_RELAY_KEEPERS').filter((s) => s !== '')
  for (const k of keepers) peerWebSocketAddr(k, '--keeper')
  const mesh = list('mesh', 'COFFER_RELAY_MESH').filter((s) => s !== '')
  for (const m of mesh) peerWebSocketAddr(m, '--mesh')
  if (mesh.length > MAX_MESH_RELAYS) {
    throw new ConfigError(`--mesh names at most ${MAX_MESH_RELAYS} relays, got ${mesh.length}`)
  }

  const logFormat = str('log-format', 'COFFER_RELAY_LOG_FORMAT') ?? 'text'
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new ConfigError(`--log-format must be text or json, got "${logFormat}"`)
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
  const trustedProxies = list('trusted-proxy', 'COFFER_RELAY_TRUSTED_PROXIES').filter(
    (s) => s !== '',
  )
  for (const p of trustedProxies) {
    if (isIP(p) === 0) throw new ConfigError(`--trusted-proxy must be an IP address, got "${p}"`)
  }
  const app = str('app', 'COFFER_RELAY_APP')
  const config: RelayConfig = {
    host,
    port,
    announce,
    keepers,
    mesh,
    dataDir,
    identityFile,
    trustedProxies: trustedProxies.map(normaliseIp),
    logFormat,
    metrics:
      values['no-metrics'] !== true &&
      env.COFFER_RELAY_METRICS !== 'off' &&
      (env.COFFER_RELAY_METRICS === 'on' || file['no-metrics'] !== true),
    ...limits,
    ...parseIceConfig({
      str,
      int,
      list: (flag, envName) => list(flag, envName).filter((s) => s !== ''),
      path: (p) => resolve(cwd, p),
    }),
  }
  if (app !== undefined) config.appDir = resolve(cwd, app)
  return { help: false, config }
}

/** Checks a peer's WebSocket multiaddr ending in /p2p/<id> (keepers, mesh relays). */
function peerWebSocketAddr(value: string, flag: string): void {
  let ok = false
  try {
    const parts = multiaddr(value).getComponents()
    ok =
      parts.at(-1)?.name === 'p2p' &&
      parts.some((c) => c.name === 'ws' || c.name === 'wss') &&
      !parts.some((c) => c.name === 'p2p-circuit')
  } catch {
    ok = false
  }
  if (!ok) {
    throw new ConfigError(
      `${flag} must be a WebSocket multiaddr ending in /p2p/<id>, got "${value}"`,
    )
  }
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
