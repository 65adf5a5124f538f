import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { DIAL_TIMEOUT_MS, RELAY_RETRY_MAX_MS, RELAY_RETRY_MIN_MS } from '../src/net/constants.ts'
import { RELAY_CHECK_MS } from './constants.ts'

const log = logger('coffer:keeper:relays')

/**
 * Keeps a connection (and so, through `/p2p-circuit` in the listen addresses, a reservation)
 * on each of the co-op's relays: the keeper's announcements reach members through them. A
 * relay that cannot be reached is retried with a doubling delay.
 */
export function keepRelays(
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>,
  relays: string[],
  signal: AbortSignal,
): { connected(): number } {
  const state = relays.map((a) => ({
    addr: multiaddr(a),
    peer: peerIdFromString(
      multiaddr(a)
        .getComponents()
        .findLast((c) => c.name === 'p2p')?.value ?? '',
    ),
    delay: RELAY_RETRY_MIN_MS,
    nextAt: 0,
    dialing: false,
  }))
  const isUp = (s: (typeof state)[number]): boolean =>
    libp2p.getConnections(s.peer).some((c) => c.status === 'open')
  const check = (): void => {
    for (const s of state) {
      if (signal.aborted || s.dialing || Date.now() < s.nextAt || isUp(s)) continue
      s.dialing = true
      libp2p
        .dial(s.addr, { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
        .then(
          () => {
            s.delay = RELAY_RETRY_MIN_MS
            log('connected to relay %p', s.peer)
          },
          (err: unknown) => {
            s.nextAt = Date.now() + s.delay
            s.delay = Math.min(2 * s.delay, RELAY_RETRY_MAX_MS)
            log('relay %p unreachable, retry in %d ms - %e', s.peer, s.delay, err)
          },
        )
        .finally(() => {
          s.dialing = false
        })
    }
  }
  const timer = setInterval(check, RELAY_CHECK_MS)
  signal.addEventListener('abort', () => clearInterval(timer), { once: true })
  check()
  return { connected: () => state.filter(isUp).length }
}
