import { logger } from '@libp2p/logger'

const log = logger('coffer:engine:repair')

/** What a pass left: nothing, work to retry later, or no owner any more (stop). */
export type PassOutcome = 'done' | 'unfinished' | 'detached'

export interface PassLoopInit {
  pass: () => Promise<PassOutcome>
  /** First retry delay after a pass left work; doubles each time up to `retryMaxMs`. */
  retryMs: number
  retryMaxMs: number
}

/**
 * Runs maintenance passes one at a time: a request during a pass runs one more pass after it,
 * and a pass that left work undone is retried later, with growing delays until one finishes.
 */
export class PassLoop {
  #init: PassLoopInit
  #running = false
  #again = false
  #delay: number
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(init: PassLoopInit) {
    this.#init = init
    this.#delay = init.retryMs
  }

  /** If a pass is running, one more follows it (its inputs changed under it). */
  again(): void {
    if (this.#running) this.#again = true
  }

  async request(): Promise<void> {
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = true
    clearTimeout(this.#timer)
    let outcome: PassOutcome = 'done'
    try {
      do {
        this.#again = false
        outcome = await this.#init.pass()
        if (outcome === 'detached') return
      } while (this.#again)
    } finally {
      this.#running = false
    }
    if (outcome === 'done') {
      this.#delay = this.#init.retryMs
      return
    }
    this.#timer = setTimeout(
      () =>
        void this.request().catch((err: unknown) =>
          log('maintenance pass failed, retried later: %s', err),
        ),
      this.#delay,
    )
    this.#delay = Math.min(this.#delay * 2, this.#init.retryMaxMs)
  }

  stop(): void {
    clearTimeout(this.#timer)
  }
}
