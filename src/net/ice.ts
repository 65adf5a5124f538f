import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import {
  ICE_CACHE_MS,
  ICE_FETCH_TIMEOUT_MS,
  ICE_REFRESH_BEFORE_EXPIRY_S,
  MAX_ICE_CONFIG_BYTES,
  MAX_ICE_FIELD_CHARS,
  MAX_ICE_SERVERS,
  MAX_ICE_URLS_PER_SERVER,
} from './constants.ts'

const log = logger('coffer:net:ice')

const ICE_URL = /^(stun|stuns|turn|turns):[^\s"<>\\]+$/

export interface IceInit {
  /** The co-op's relay multiaddrs; each relay's /config.json names the co-op's ICE servers. */
  relays: string[]
  /** Injected by tests; the page's fetch otherwise. */
  fetch?: typeof globalThis.fetch
  now?: () => number
}

/**
 * Where every RTCPeerConnection of this node gets its configuration: the ICE servers the
 * co-op's own relay names (its STUN, its coturn with fresh credentials, what the operator
 * added), never libp2p's default list of public STUN servers, which would tell those
 * companies every member's address. Without an answer from any relay the list is empty:
 * host candidates only, which still connect members on one network.
 */
export interface CoopIce {
  /** For `webRTC({ rtcConfiguration })`: called for each new RTCPeerConnection. */
  rtcConfiguration(): Promise<RTCConfiguration>
  /** Whether the last configuration offered a TURN server (so a failed dial is not "needs TURN"). */
  readonly hasTurn: boolean
}

export function coopIce(init: IceInit): CoopIce {
  const urls = init.relays.map(relayConfigUrl).filter((u): u is string => u !== undefined)
  const doFetch = init.fetch ?? globalThis.fetch.bind(globalThis)
  const now = init.now ?? Date.now
  let servers: RTCIceServer[] = []
  let freshUntil = 0
  let pending: Promise<void> | undefined

  const refresh = async (): Promise<void> => {
    for (const url of urls) {
      try {
        const found = await fetchIceServers(doFetch, url)
        servers = found
        freshUntil = Math.min(now() + ICE_CACHE_MS, refreshAt(found, now()) ?? Infinity)
        return
      } catch (err) {
        // The next relay may answer; with none, the last list (or none) is used below.
        log('no ICE servers from %s - %e', url, err)
      }
    }
    // Retry soon rather than on every connection while the relays are unreachable.
    freshUntil = now() + ICE_FETCH_TIMEOUT_MS
  }

  return {
    async rtcConfiguration() {
      if (now() >= freshUntil) {
        pending ??= refresh().finally(() => (pending = undefined))
        await pending
      }
      // A new array and new objects each time: RTCPeerConnection keeps what it is given.
      return { iceServers: servers.map((s) => ({ ...s })) }
    },
    get hasTurn() {
      return servers.some((s) => toList(s.urls).some((u) => u.startsWith('turn')))
    },
  }
}

/**
 * The relay's HTTP address for a WebSocket multiaddr: `/dns4/h/tcp/443/wss` is
 * `https://h/config.json`, `/ip4/10.0.0.2/tcp/9090/ws` is `http://10.0.0.2:9090/config.json`.
 */
export function relayConfigUrl(addr: string): string | undefined {
  try {
    const parts = multiaddr(addr).getComponents()
    const host = parts.find((c) => ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(c.name))
    const port = parts.find((c) => c.name === 'tcp')?.value
    if (host?.value === undefined || port === undefined) return undefined
    const secure = parts.some((c) => c.name === 'wss' || c.name === 'tls')
    if (!secure && !parts.some((c) => c.name === 'ws')) return undefined
    const name = host.name === 'ip6' ? `[${host.value}]` : host.value
    const defaultPort = secure ? '443' : '80'
    const origin = `${secure ? 'https' : 'http'}://${name}${port === defaultPort ? '' : `:${port}`}`
    return `${origin}/config.json`
  } catch {
    return undefined
  }
}

async function fetchIceServers(
  doFetch: typeof globalThis.fetch,
  url: string,
): Promise<RTCIceServer[]> {
  const response = await doFetch(url, {
    cache: 'no-store',
    credentials: 'omit',
    signal: AbortSignal.timeout(ICE_FETCH_TIMEOUT_MS),
  })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  const text = await response.text()
  if (text.length > MAX_ICE_CONFIG_BYTES) throw new Error(`${url} is too large`)
  return parseIceServers((JSON.parse(text) as { iceServers?: unknown }).iceServers)
}

/**
 * The `iceServers` of a relay's /config.json, checked as hostile input: at most a few
 * servers of a few stun:/turn: URLs each, short string credentials; anything else is dropped.
 */
export function parseIceServers(value: unknown): RTCIceServer[] {
  if (!Array.isArray(value)) return []
  const out: RTCIceServer[] = []
  for (const entry of value.slice(0, MAX_ICE_SERVERS)) {
    if (typeof entry !== 'object' || entry === null) continue
    const e = entry as Record<string, unknown>
    const urls = (Array.isArray(e.urls) ? e.urls : [e.urls])
      .slice(0, MAX_ICE_URLS_PER_SERVER)
      .filter((u): u is string => typeof u === 'string' && isIceUrl(u))
    if (urls.length === 0) continue
    const server: RTCIceServer = { urls }
    if (isShortString(e.username) && isShortString(e.credential)) {
      server.username = e.username
      server.credential = e.credential
    } else if (urls.some((u) => u.startsWith('turn'))) {
      continue // a TURN server without credentials makes Chromium refuse the whole list
    }
    out.push(server)
  }
  return out
}

function isIceUrl(u: string): boolean {
  return u.length <= MAX_ICE_FIELD_CHARS && ICE_URL.test(u)
}

function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ICE_FIELD_CHARS
}

function toList(urls: string | string[]): string[] {
  return typeof urls === 'string' ? [urls] : urls
}

/** TURN REST usernames start with their expiry (`<unix seconds>:…`): refresh before it. */
function refreshAt(servers: RTCIceServer[], now: number): number | undefined {
  let earliest: number | undefined
  for (const s of servers) {
    const m = /^(\d{9,11}):/.exec(s.username ?? '')
    if (m?.[1] === undefined) continue
    const expiry = Number(m[1]) * 1000
    // Short-lived credentials are renewed halfway through their life.
    const at = expiry - Math.min(ICE_REFRESH_BEFORE_EXPIRY_S * 1000, (expiry - now) / 2)
    earliest = Math.min(earliest ?? at, at)
  }
  return earliest
}
