import { logger } from '@libp2p/logger'
import { RELAY_V2_HOP_CODEC, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('coffer:relay:guards')

/** The IP of a connection's remote address, or undefined for non-IP transports. */
export function ipOf(ma: Multiaddr): string | undefined {
  const c = ma.getComponents()[0]
  return c !== undefined && (c.name === 'ip4' || c.name === 'ip6') ? c.value : undefined
}

interface GuardedNode {
  libp2p: Libp2p
  relay: CircuitRelayService
}

/**
 * Drops a peer's reservation when its last connection closes. The circuit relay server
 * keeps reservations for their whole TTL (2 h), so peers that reserve and leave would
 * otherwise fill `maxReservations` and keep members out.
 */
export function dropReservationsOnDisconnect({ libp2p, relay }: GuardedNode): () => void {
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const reservation = relay.reservations.get(evt.detail)
    if (reservation === undefined) return
    // Firing the signal now also stops its own timer from deleting a later reservation.
    reservation.signal.reset(0)
    relay.reservations.delete(evt.detail)
    log('dropped the reservation of %p, which disconnected', evt.detail)
  }
  libp2p.addEventListener('peer:disconnect', onDisconnect)
  return () => libp2p.removeEventListener('peer:disconnect', onDisconnect)
}

/** Whether peers behind this peer's IP already hold `max` reservations (refreshes pass). */
export function tooManyReservationsFromIp(
  { libp2p, relay }: GuardedNode,
  peer: PeerId,
  max: number,
): boolean {
  if (relay.reservations.has(peer)) return false
  const ip = libp2p
    .getConnections(peer)
    .map((c) => ipOf(c.remoteAddr))
    .find((i) => i !== undefined)
  if (ip === undefined) return false
  let n = 0
  for (const r of relay.reservations.values()) if (ipOf(r.addr) === ip) n++
  return n >= max
}

/**
 * Closes connections that have been open for `idleMs` without a reservation and without a
 * circuit being relayed for them, so a stranger cannot hold sockets (and with them the
 * per-IP and global limits) open for free. A member's tab reserves within seconds.
 */
export function closeIdleConnections(
  { libp2p, relay }: GuardedNode,
  idleMs: number,
  onClosed: () => void,
  exempt: (peer: PeerId) => boolean = () => false,
): () => void {
  if (idleMs === 0) return () => {}
  const sweep = (): void => {
    const now = Date.now()
    for (const conn of libp2p.getConnections()) {
      if (now - conn.timeline.open < idleMs) continue
      if (relay.reservations.has(conn.remotePeer) || exempt(conn.remotePeer)) continue
      if (conn.streams.some((s) => s.protocol === RELAY_V2_HOP_CODEC)) continue
      log('closing %a: no reservation after %d ms', conn.remoteAddr, idleMs)
      onClosed()
      conn.abort(new Error('idle: no reservation'))
    }
  }
  const timer = setInterval(sweep, Math.max(250, Math.min(idleMs / 4, 15_000)))
  timer.unref()
  return () => clearInterval(timer)
}
