import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, Libp2p } from '@libp2p/interface'
import { DIAL_TIMEOUT_MS } from '../../net/constants.ts'
import type { CofferFetch } from '../../net/fetch/index.ts'
import type { DownloadNetwork } from './holder-book.ts'
import { keepersByPeer } from '../../net/keepers.ts'

const log = logger('coffer:engine:download')

/** The libp2p node of a member or a guest, with the Coffer fetch service. */
export type FetchingLibp2p = Pick<
  Libp2p<{ fetch: CofferFetch }>,
  'services' | 'getConnections' | 'dial' | 'addEventListener' | 'removeEventListener'
>

function isDirect(c: Connection): boolean {
  return c.status === 'open' && c.limits === undefined
}

/**
 * The download engine's view of a libp2p node: blocks come over `/coffer/fetch/1.0.0` on
 * direct connections only; a holder not connected yet is dialled through each relay in turn
 * (`<relay>/p2p-circuit/webrtc/p2p/<peer>`), which ends in a direct WebRTC connection.
 */
export function libp2pDownloadNetwork(
  libp2p: FetchingLibp2p,
  init: { relays: string[]; relayIds?: ReadonlySet<string>; keepers?: readonly string[] },
): DownloadNetwork {
  const keepers = keepersByPeer(init.keepers ?? [])
  const relayIds = new Set(init.relayIds ?? [])
  for (const r of init.relays) {
    try {
      const id = multiaddr(r)
        .getComponents()
        .findLast((c) => c.name === 'p2p')?.value
      if (id !== undefined) relayIds.add(id)
    } catch (err) {
      // Not a multiaddr: it names no relay to leave out of the holders.
      log('relay address %s skipped: %s', r, err)
    }
  }
  return {
    directPeers() {
      const peers = new Set<string>()
      for (const c of libp2p.getConnections()) {
        const id = c.remotePeer.toString()
        if (isDirect(c) && !relayIds.has(id)) peers.add(id)
      }
      return [...peers]
    },
    fetch: (peer, cid, options) =>
      libp2p.services.fetch.fetchShard(peerIdFromString(peer), cid, options),
    whoHas: (peer, cids, options) =>
      libp2p.services.fetch.whoHas(peerIdFromString(peer), cids, options),
    async connect(peer, { signal }) {
      const id = peerIdFromString(peer)
      if (libp2p.getConnections(id).some(isDirect)) return
      let lastError: unknown = new Error('no relay to dial through')
      // A keeper is dialled at the address the co-op names: WebSockets, direct, no relay.
      const keeper = keepers.get(peer)
      if (keeper !== undefined) {
        try {
          await libp2p.dial(multiaddr(keeper), {
            signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]),
          })
          return
        } catch (err) {
          lastError = err
        }
      }
      for (const relay of init.relays) {
        signal.throwIfAborted()
        try {
          const addr = multiaddr(relay).encapsulate(`/p2p-circuit/webrtc/p2p/${peer}`)
          const conn = await libp2p.dial(addr, {
            signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]),
          })
          if (conn.limits === undefined) return
        } catch (err) {
          lastError = err
        }
      }
      throw lastError
    },
    subscribe(listener) {
      const on = (): void => listener()
      libp2p.addEventListener('connection:open', on)
      libp2p.addEventListener('connection:close', on)
      return () => {
        libp2p.removeEventListener('connection:open', on)
        libp2p.removeEventListener('connection:close', on)
      }
    },
  }
}
