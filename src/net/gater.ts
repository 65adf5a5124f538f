import type { ConnectionGater } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

export interface CofferGaterInit {
  /**
   * Addresses the co-op's configuration names (its relays, its keepers): these may be on
   * private addresses (a LAN, a VPN, this machine) and over plain `ws://`.
   */
  named?: string[]
}

/**
 * libp2p's browser default refuses ws:// and private addresses. A co-op whose relay is on a
 * LAN, a VPN or this machine names it, so exactly the addresses the co-op names are allowed
 * as they are. Everything else stays strict: no insecure WebSockets, no private addresses,
 * so a peer's announced addresses cannot make a member's browser probe its own network.
 */
export function cofferGater(init: CofferGaterInit = {}): ConnectionGater {
  const named = new Set<string>()
  for (const a of init.named ?? []) {
    try {
      named.add(transportKey(firstHopOf(multiaddr(a))))
    } catch {
      // a malformed name allows nothing; the co-op's other addresses still work
    }
  }
  return {
    denyDialMultiaddr: (ma: Multiaddr): boolean => {
      const firstHop = firstHopOf(ma)
      if (named.has(transportKey(firstHop))) return false
      if (firstHop.some((c) => c.name === 'ws') && !firstHop.some((c) => c.name === 'tls')) {
        return true
      }
      const host = firstHop[0]
      return host !== undefined && isPrivateHost(host.name, host.value ?? '')
    },
  }
}

type Components = ReturnType<Multiaddr['getComponents']>

/** Components up to the first /p2p-circuit: the address the browser itself connects to. */
function firstHopOf(ma: Multiaddr): Components {
  const parts = ma.getComponents()
  const i = parts.findIndex((c) => c.name === 'p2p-circuit')
  return i < 0 ? parts : parts.slice(0, i)
}

/** Host, port and transport of a hop, without its /p2p/ peer ID (noise checks that). */
function transportKey(hop: Components): string {
  return hop
    .filter((c) => c.name !== 'p2p')
    .map((c) => `/${c.name}${c.value === undefined ? '' : `/${c.value.toLowerCase()}`}`)
    .join('')
}

function isPrivateHost(proto: string, value: string): boolean {
  if (proto === 'dns' || proto === 'dns4' || proto === 'dns6') {
    const v = value.toLowerCase().replace(/\.$/, '')
    return v === 'localhost' || v.endsWith('.localhost') || v.endsWith('.local')
  }
  if (proto === 'ip4') {
    const [a = 0, b = 0] = value.split('.').map(Number)
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      a >= 224
    )
  }
  if (proto === 'ip6') {
    const v = value.toLowerCase()
    return (
      v === '::1' ||
      v === '::' ||
      /^f[cd]/.test(v) ||
      /^fe[89ab]/.test(v) ||
      /^ff/.test(v) ||
      v.startsWith('::ffff:')
    )
  }
  return false
}
