/** What the relay's /config.json tells the app. */
export interface AppConfig {
  /** Relay multiaddrs, each ending in /p2p/<relay peer id>. */
  relays: string[]
  /** Keeper multiaddrs (WebSocket, ending in /p2p/<id>) that members and guests dial directly. */
  keepers?: string[]
}
import { InvalidConfigError } from './errors.ts'
import { keepersByPeer } from '../keepers.ts'

/** config.json is a few hundred bytes; anything far larger is not ours. */
const MAX_CONFIG_BYTES = 64 * 1024

export function parseConfig(value: unknown): AppConfig {
  if (typeof value !== 'object' || value === null) throw new InvalidConfigError('not an object')
  const relays = (value as { relays?: unknown }).relays
  if (!Array.isArray(relays) || !relays.every((r) => typeof r === 'string' && r.startsWith('/'))) {
    throw new InvalidConfigError('relays must be a list of multiaddr strings')
  }
  const keepers = (value as { keepers?: unknown }).keepers ?? []
  if (!Array.isArray(keepers)) throw new InvalidConfigError('keepers must be a list')
  return { relays: relays as string[], keepers: [...keepersByPeer(keepers).values()] }
}

/**
 * Fetches the relay list from the server that served the app. Always from the network:
 * the service worker does not cache it, and neither may the HTTP cache.
 */
export async function fetchConfig(
  url: string,
  options: { signal?: AbortSignal } = {},
): Promise<AppConfig | undefined> {
  let response: Response
  try {
    response = await fetch(url, { cache: 'no-store', signal: options.signal ?? null })
  } catch {
    return undefined
  }
  if (!response.ok) return undefined
  const text = await response.text()
  if (text.length > MAX_CONFIG_BYTES) throw new InvalidConfigError('config.json is too large')
  return parseConfig(JSON.parse(text))
}
