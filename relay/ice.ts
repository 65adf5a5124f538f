import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError, StunBindError } from './errors.ts'
import { startStunServer, type StunServer } from './stun.ts'
import { turnCredential } from './turn.ts'
import {
  DEFAULT_STUN_PORT,
  DEFAULT_TURN_TTL_S,
  MAX_ICE_SERVER_FLAGS,
  MAX_ICE_URL_CHARS,
  MAX_STUN_URLS,
  MAX_TURN_SECRET_BYTES,
  MAX_TURN_TTL_S,
} from './constants.ts'

/** One entry of RTCConfiguration.iceServers, as /config.json hands it to members. */
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

/** The ICE part of the relay's configuration (flags --stun-port … --ice-server). */
export interface IceConfig {
  /** UDP port of the built-in STUN server; 0 = off. */
  stunPort: number
  turnUrls: string[]
  turnSecretFile?: string
  /** Lifetime of each TURN credential handed out, in seconds. */
  turnTtl: number
  /** Operator-chosen servers, passed to members unchanged. */
  iceServers: IceServer[]
}

export interface RelayIce {
  /** UDP port STUN answers on, or undefined when it is off. */
  readonly stunPort: number | undefined
  /** The co-op's ICE servers with fresh TURN credentials: call once per /config.json. */
  servers(now?: number): IceServer[]
  stop(): Promise<void>
}

const ICE_URL = /^(stun|stuns|turn|turns):[^\s"<>\\]+$/

/** parseArgs options of the ICE flags, spread into the relay's own. */
export const ICE_OPTIONS = {
  'stun-port': { type: 'string' },
  'turn-url': { type: 'string', multiple: true },
  'turn-secret-file': { type: 'string' },
  'turn-ttl': { type: 'string' },
  'ice-server': { type: 'string', multiple: true },
} as const

/** How config.ts reads one flag: the flag, else its variable; a whole number in range. */
export interface FlagReaders {
  str: (flag: string, envName: string) => string | undefined
  int: (raw: string | undefined, flag: string, fallback: number, min: number, max: number) => number
  list: (flag: string, envName: string) => string[]
  path: (p: string) => string
}

/** Reads the ICE flags (or their COFFER_RELAY_* variables; lists are comma-separated). */
export function parseIceConfig(read: FlagReaders): IceConfig {
  const { str, int, list } = read
  const stunPort = int(
    str('stun-port', 'COFFER_RELAY_STUN_PORT'),
    '--stun-port',
    DEFAULT_STUN_PORT,
    0,
    65535,
  )
  const turnTtl = int(
    str('turn-ttl', 'COFFER_RELAY_TURN_TTL'),
    '--turn-ttl',
    DEFAULT_TURN_TTL_S,
    60,
    MAX_TURN_TTL_S,
  )
  const turnUrls = list('turn-url', 'COFFER_RELAY_TURN_URL')
  for (const u of turnUrls) {
    if (!isIceUrl(u) || u.startsWith('stun')) {
      throw new ConfigError(`--turn-url must be a turn: or turns: URL, got "${u}"`)
    }
  }
  const secretFile = str('turn-secret-file', 'COFFER_RELAY_TURN_SECRET_FILE')
  if ((secretFile === undefined) !== (turnUrls.length === 0)) {
    throw new ConfigError('--turn-url and --turn-secret-file go together')
  }
  const extra = list('ice-server', 'COFFER_RELAY_ICE_SERVER')
  if (extra.length > MAX_ICE_SERVER_FLAGS) {
    throw new ConfigError(`at most ${MAX_ICE_SERVER_FLAGS} --ice-server`)
  }
  const config: IceConfig = { stunPort, turnUrls, turnTtl, iceServers: extra.map(parseIceServer) }
  if (secretFile !== undefined) config.turnSecretFile = read.path(secretFile)
  return config
}

/** Parses one `--ice-server` value: `<url>` or `<url> <username> <credential>`. */
export function parseIceServer(value: string): IceServer {
  const [url = '', username, credential, ...rest] = value.trim().split(/\s+/)
  if (!isIceUrl(url) || rest.length > 0 || (username !== undefined && credential === undefined)) {
    throw new ConfigError(
      `--ice-server must be "<stun:|turn:|turns:url>" or "<url> <username> <credential>", got "${value}"`,
    )
  }
  return username === undefined ? { urls: [url] } : { urls: [url], username, credential }
}

export function isIceUrl(url: string): boolean {
  return url.length <= MAX_ICE_URL_CHARS && ICE_URL.test(url)
}

/**
 * Starts the built-in STUN server and reads the TURN secret. The STUN URLs are made from
 * the hosts the relay advertises (its `--announce` addresses, else its listening ones), so
 * members reach STUN at the same name they reach the relay.
 */
export async function startRelayIce(
  config: Partial<IceConfig> & { host: string },
  advertised: string[],
): Promise<RelayIce> {
  let secret: string | undefined
  if (config.turnSecretFile !== undefined) {
    const bytes = await readFile(config.turnSecretFile).catch((err: unknown) => {
      throw new ConfigError(`--turn-secret-file: cannot read it (${(err as Error).message})`)
    })
    secret = bytes.length > MAX_TURN_SECRET_BYTES ? '' : bytes.toString('utf8').trim()
    if (secret === '') {
      throw new ConfigError(
        `--turn-secret-file must hold a secret of 1 to ${MAX_TURN_SECRET_BYTES} bytes`,
      )
    }
  }
  const stunPort = config.stunPort ?? 0
  const turnUrls = config.turnUrls ?? []
  const extra = config.iceServers ?? []
  const stun: StunServer | undefined =
    stunPort > 0
      ? await startStunServer({ host: config.host, port: stunPort }).catch((err: unknown) => {
          throw new StunBindError(
            `STUN cannot listen on UDP ${config.host}:${stunPort} (${(err as Error).message}); --stun-port 0 turns it off`,
          )
        })
      : undefined
  const stunUrls = stun === undefined ? [] : stunUrlsFor(advertised, stun.port)
  return {
    stunPort: stun?.port,
    servers: (now = Date.now()) => {
      const list: IceServer[] = stunUrls.length > 0 ? [{ urls: stunUrls }] : []
      if (secret !== undefined && turnUrls.length > 0) {
        const c = turnCredential(secret, config.turnTtl ?? DEFAULT_TURN_TTL_S, now)
        list.push({ urls: turnUrls, username: c.username, credential: c.credential })
      }
      return [...list, ...extra]
    },
    stop: async () => {
      await stun?.stop()
    },
  }
}

/** `stun:<host>:<port>` for each distinct host of the advertised multiaddrs, loopback last. */
export function stunUrlsFor(advertised: string[], port: number): string[] {
  const hosts: string[] = []
  for (const a of advertised) {
    let host: string | undefined
    try {
      host = multiaddr(a)
        .getComponents()
        .find((c) => ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(c.name))?.value
    } catch {
      continue
    }
    if (host !== undefined && !hosts.includes(host)) hosts.push(host)
  }
  const loopback = (h: string): boolean => h === '::1' || h.startsWith('127.') || h === 'localhost'
  const ordered = [...hosts.filter((h) => !loopback(h)), ...hosts.filter(loopback)]
  // Only a loopback relay (a developer's machine) offers a loopback STUN address.
  const usable = ordered.some((h) => !loopback(h)) ? ordered.filter((h) => !loopback(h)) : ordered
  return usable.slice(0, MAX_STUN_URLS).map((h) => `stun:${h.includes(':') ? `[${h}]` : h}:${port}`)
}
