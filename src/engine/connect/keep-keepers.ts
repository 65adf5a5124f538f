import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import { DIAL_TIMEOUT_MS } from '../../net/constants.ts'
import { keepersByPeer } from '../../net/keepers.ts'
import { keepConnected } from './keep-connected.ts'

const log = logger('coffer:engine:keepers')

/**
 * Keeps a member's node connected to the co-op's keepers over WebSockets, at the addresses the
 * co-op names, until libp2p stops. A keeper cannot answer a WebRTC dial (it runs on Node), so
 * members dial it: the connection is direct, its announcements make it a member like any
 * other, and uploads place shards on it.
 */
export function keepKeepersConnected(
  libp2p: Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener'>,
  keepers: readonly string[],
): void {
  const byPeer = keepersByPeer(keepers)
  if (byPeer.size === 0) return
  const stop = new AbortController()
  libp2p.addEventListener('stop', () => stop.abort(), { once: true })
  const network = {
    directPeers: () =>
      libp2p
        .getConnections()
        .filter((c) => c.status === 'open' && c.limits === undefined)
        .map((c) => c.remotePeer.toString()),
    connect: async (peer: string, { signal }: { signal: AbortSignal }) => {
      const addr = byPeer.get(peer)
      if (addr === undefined) return
      await libp2p.dial(multiaddr(addr), {
        signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]),
      })
    },
  }
  keepConnected(network, [...byPeer.keys()], { signal: stop.signal }).catch((err: unknown) => {
    // Only the node's stop ends the loop; anything else is worth a line in the log.
    if (!stop.signal.aborted) log.error('keeper connections stopped - %e', err)
  })
}
