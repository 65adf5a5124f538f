import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { DIAL_TIMEOUT_MS, RELAY_RETRY_MAX_MS, RELAY_RETRY_MIN_MS } from './constants.ts'

const log = logger('coffer:net:relays')

interface RelayDialState {
  addr: Multiaddr
  peerId: string
  delay: number
  nextAt: number
  dialing: boolean
}

/**
 * Keeps a connection to each of the co-op's relays: dials one that is down, with a backoff
 * that grows only while dials fail and resets when the network comes back.
 */
export class RelayDialer {
  readonly #libp2p: Pick<Libp2p, 'dial' | 'getConnections'>
  readonly #relays: RelayDialState[]
  readonly #signal: AbortSignal
  readonly #onChange: () => void

  constructor(
    libp2p: Pick<Libp2p, 'dial' | 'getConnections'>,
    relays: Multiaddr[],
    signal: AbortSignal,
    onChange: () => void,
  ) {
    this.#libp2p = libp2p
    this.#signal = signal
    this.#onChange = onChange
    this.#relays = relays.map((addr) => ({
      addr,
      peerId: addr.getComponents().findLast((c) => c.name === 'p2p')?.value ?? '',
      delay: RELAY_RETRY_MIN_MS,
      nextAt: 0,
      dialing: false,
    }))
  }

  /** The relays' multiaddrs, in the co-op's order: the paths to a member's reservation. */
  get addrs(): Multiaddr[] {
    return this.#relays.map((r) => r.addr)
  }

  /** True while a connection to at least one relay is open. */
  anyUp(): boolean {
    return this.#relays.some((r) => this.#isUp(r))
  }

  /** Back online: try every relay now instead of waiting out the backoff. */
  reset(): void {
    for (const r of this.#relays) {
      r.delay = RELAY_RETRY_MIN_MS
      r.nextAt = 0
    }
  }

  /** Dials each relay that is down and due. */
  ensure(): void {
    if (this.#signal.aborted) return
    const now = Date.now()
    for (const r of this.#relays) {
      if (r.dialing || now < r.nextAt || this.#isUp(r)) continue
      r.dialing = true
      const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
      this.#libp2p
        .dial(r.addr, { signal })
        .then(
          () => {
            r.delay = RELAY_RETRY_MIN_MS
            r.nextAt = 0
            log('connected to relay %s', r.peerId)
          },
          (err: unknown) => {
            r.nextAt = Date.now() + r.delay
            r.delay = Math.min(r.delay * 2, RELAY_RETRY_MAX_MS)
            log('relay %s unreachable, retry in %d ms - %e', r.peerId, r.delay, err)
          },
        )
        .finally(() => {
          r.dialing = false
          this.#onChange()
        })
    }
  }

  #isUp(r: RelayDialState): boolean {
    return this.#libp2p.getConnections(peerIdFromString(r.peerId)).some((c) => c.status === 'open')
  }
}
