import { GUEST_BURST, GUEST_MAX_TRACKED, GUEST_REQUESTS_PER_SECOND } from './constants.ts'

export interface GuestPaceInit {
  perSecond?: number
  burst?: number
  maxTracked?: number
}

/**
 * A token bucket per guest peer for fetch and has requests: a guest streaming a file gets a
 * steady pace, one that floods waits. Waiting (not refusing) keeps share links working with
 * no new error code; the exchange timeout still bounds each wait.
 */
export class GuestPace {
  readonly #perSecond: number
  readonly #burst: number
  readonly #maxTracked: number
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  constructor(init: GuestPaceInit = {}) {
    this.#perSecond = init.perSecond ?? GUEST_REQUESTS_PER_SECOND
    this.#burst = init.burst ?? GUEST_BURST
    this.#maxTracked = init.maxTracked ?? GUEST_MAX_TRACKED
  }

  /** Milliseconds `peer` must wait before its next request; takes the token. */
  take(peer: string, now = Date.now()): number {
    let b = this.#buckets.get(peer)
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxTracked) {
        // Map order is insertion order, refreshed below on every use: the first is the idlest.
        const idlest = this.#buckets.keys().next().value
        if (idlest !== undefined) this.#buckets.delete(idlest)
      }
      b = { tokens: this.#burst, at: now }
    } else {
      this.#buckets.delete(peer)
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#perSecond)
      b.at = now
    }
    this.#buckets.set(peer, b)
    b.tokens -= 1
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / this.#perSecond) * 1000)
  }

  /** Resolves when `peer` may go on; rejects if `signal` aborts first. */
  async wait(peer: string, signal: AbortSignal): Promise<void> {
    const ms = this.take(peer)
    if (ms === 0) return
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms)
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t)
          reject(signal.reason as Error)
        },
        { once: true },
      )
    })
  }
}
