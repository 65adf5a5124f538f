import { multiaddr } from '@multiformats/multiaddr'
import { MAX_KEEPERS, MAX_RELAY_ADDR_CHARS } from './constants.ts'

/**
 * A keeper as the co-op's relay names it in /config.json: a WebSocket multiaddr (`/ws` on a
 * LAN or this machine, `/wss` in production) ending in /p2p/<keeper peer id>, never a circuit.
 * Browsers dial exactly these, so shard bytes to and from a keeper never ride a relay.
 */
export function isKeeperAddr(addr: unknown): addr is string {
  if (typeof addr !== 'string' || addr.length > MAX_RELAY_ADDR_CHARS) return false
  try {
    const parts = multiaddr(addr).getComponents()
    return (
      parts.at(-1)?.name === 'p2p' &&
      parts.some((c) => c.name === 'ws' || c.name === 'wss') &&
      !parts.some((c) => c.name === 'p2p-circuit')
    )
  } catch {
    return false
  }
}

/** The keepers of a config, by peer id; anything that is not a keeper address is left out. */
export function keepersByPeer(addrs: readonly unknown[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const a of addrs.slice(0, MAX_KEEPERS)) {
    if (!isKeeperAddr(a)) continue
    const id = multiaddr(a).getComponents().at(-1)?.value
    if (id !== undefined) out.set(id, a)
  }
  return out
}
