import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { MESH_REDIAL_MAX_MS, MESH_REDIAL_MIN_MS } from './constants.ts'

const log = logger('coffer:relay:mesh')

/** The other relays of a co-op pod this relay keeps one connection to each. */
export interface RelayMesh {
  /** Whether `peer` is one of the meshed relays (exempt from the member-only guards). */
  has(peer: PeerId): boolean
  /** Meshed relays connected now. */
  connected(): number
  stop(): void
}

interface MeshPeer {
  id: PeerId
  addr: Multiaddr
  wait: number
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Keeps a connection to every relay named by `--mesh`. Gossipsub then routes each discovery
 * topic between relays whose members share it, so members reserved on different relays
 * still find each other, and a relay that dies takes only its own connections with it.
 * Both sides of a pair dial; libp2p keeps whichever connection wins.
 */
export function keepMeshed(
  libp2p: Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>,
  addrs: string[],
): RelayMesh {
  const peers = new Map<string, MeshPeer>()
  for (const a of addrs) {
    const addr = multiaddr(a)
    const id = addr.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (id === undefined) continue
    peers.set(id, { id: peerIdFromString(id), addr, wait: MESH_REDIAL_MIN_MS })
  }
  let stopped = false

  const dial = (p: MeshPeer): void => {
    p.timer = undefined
    if (stopped || libp2p.getConnections(p.id).length > 0) return
    libp2p.dial(p.addr).then(
      () => {
        p.wait = MESH_REDIAL_MIN_MS
        log('meshed with relay %p', p.id)
      },
      (err: unknown) => {
        // Expected while that relay restarts or before it is up: try again later, slower.
        log('mesh relay %p not reached, again in %d ms - %e', p.id, p.wait, err)
        schedule(p, p.wait)
        p.wait = Math.min(p.wait * 2, MESH_REDIAL_MAX_MS)
      },
    )
  }
  const schedule = (p: MeshPeer, ms: number): void => {
    if (stopped || p.timer !== undefined) return
    p.timer = setTimeout(() => dial(p), ms)
    p.timer.unref?.()
  }
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const p = peers.get(evt.detail.toString())
    if (p !== undefined) schedule(p, p.wait)
  }
  libp2p.addEventListener('peer:disconnect', onDisconnect)
  for (const p of peers.values()) schedule(p, 0)

  return {
    has: (peer) => peers.has(peer.toString()),
    connected: () =>
      [...peers.values()].filter((p) => libp2p.getConnections(p.id).length > 0).length,
    stop: () => {
      stopped = true
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      for (const p of peers.values()) if (p.timer !== undefined) clearTimeout(p.timer)
    },
  }
}
