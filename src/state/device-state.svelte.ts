import { formatBytes } from './format.ts'

/** The part of `navigator.storage` this panel uses; tests pass a fake. */
export type StorageApi = Pick<StorageManager, 'estimate' | 'persisted' | 'persist'>

/**
 * This device's storage: how much the browser lets Coffer use, and whether the browser
 * promised not to evict it. Persistence matters because an evicted device loses the shards
 * it keeps for other members.
 */
export class DeviceState {
  #storage: StorageApi | undefined
  #usage = $state<number | undefined>()
  #quota = $state<number | undefined>()
  #persisted = $state<boolean | undefined>()
  #asking = $state(false)
  #refused = $state(false)

  constructor(storage: StorageApi | undefined) {
    this.#storage = storage
  }

  /** False in browsers without the Storage API (or outside a secure context). */
  get supported(): boolean {
    return this.#storage !== undefined
  }

  get usage(): number | undefined {
    return this.#usage
  }

  get quota(): number | undefined {
    return this.#quota
  }

  /** "12.3 MB used of 2.1 GB available", or undefined until known. */
  get estimateText(): string | undefined {
    if (this.#usage === undefined || this.#quota === undefined) return undefined
    return `${formatBytes(this.#usage)} used of ${formatBytes(this.#quota)} available`
  }

  get persisted(): boolean | undefined {
    return this.#persisted
  }

  get asking(): boolean {
    return this.#asking
  }

  /** The browser said no to the last request (it decides by its own rules, e.g. install). */
  get refused(): boolean {
    return this.#refused
  }

  async refresh(): Promise<void> {
    if (!this.#storage) return
    const [estimate, persisted] = await Promise.all([
      this.#storage.estimate(),
      this.#storage.persisted(),
    ])
    this.#usage = estimate.usage ?? 0
    this.#quota = estimate.quota ?? 0
    this.#persisted = persisted
  }

  /** Asks the browser to keep Coffer's storage; resolves to whether it now does. */
  async requestPersistence(): Promise<boolean> {
    if (!this.#storage) return false
    this.#asking = true
    try {
      const granted = await this.#storage.persist()
      this.#persisted = granted
      this.#refused = !granted
      return granted
    } finally {
      this.#asking = false
    }
  }
}
