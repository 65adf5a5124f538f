/**
 * Runs jobs at most `parallel` at a time, in the order they came: uploads share one uplink,
 * and two at once already fill it.
 */
export class JobQueue {
  readonly #parallel: number
  #running = 0
  #queue: Array<() => Promise<void>> = []

  constructor(parallel: number) {
    this.#parallel = parallel
  }

  add(job: () => Promise<void>): void {
    this.#queue.push(job)
    this.#pump()
  }

  #pump(): void {
    while (this.#running < this.#parallel && this.#queue.length > 0) {
      const job = this.#queue.shift()!
      this.#running++
      void job().finally(() => {
        this.#running--
        this.#pump()
      })
    }
  }
}
