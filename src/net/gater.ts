import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1'])

/**
 * libp2p's browser default refuses ws:// and private addresses, which rules out a relay on
 * this machine (`npm start`, tests). Allow exactly that case: the first hop is loopback.
 * Everything else stays strict: no insecure WebSockets, no private addresses.
 */
export function cofferGater(): ConnectionGater {
  return {
    denyDialMultiaddr: (ma: Multiaddr): boolean => {
      const firstHop = firstHopOf(ma)
      const host = firstHop[0]
      if (host !== undefined && LOCAL_HOSTS.has(host.value ?? '')) return false
      if (firstHop.some((c) => c.name === 'ws') && !firstHop.some((c) => c.name === 'tls')) {
        return true
      }
      return host !== undefined && isPrivateHost(host.name, host.value ?? '')
    },
  }
}

/** Components up to the first /p2p-circuit: the address the browser itself connects to. */
function firstHopOf(ma: Multiaddr): ReturnType<Multiaddr['getComponents']> {
  const parts = ma.getComponents()
  const i = parts.findIndex((c) => c.name === 'p2p-circuit')
  return i < 0 ? parts : parts.slice(0, i)
}

function isPrivateHost(proto: string, value: string): boolean {
  if (proto === 'ip4') {
    const [a = 0, b = 0] = value.split('.').map(Number)
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    )
  }
  if (proto === 'ip6') {
    const v = value.toLowerCase()
    return v === '::1' || v === '::' || /^f[cd]/.test(v) || /^fe[89ab]/.test(v)
  }
  return false
}
