import { logger } from '@libp2p/logger'
import type { IDBPDatabase } from 'idb'
import type { CofferDB } from '../storage/db.ts'
import { pledgeUsage, savePledge, type StorageEstimateLike } from '../storage/pledge.ts'
import { formatBytes } from './format.ts'

const log = logger('coffer:state:pledge')

const MB = 1_000_000

/** What the pledge form accepts: a number of megabytes, whole or with decimals. */
export function parsePledgeInput(
  text: string,
  quota: number | undefined,
): { bytes: number } | { error: string } {
  const trimmed = text.trim().replace(',', '.')
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return { error: 'Enter a number of megabytes, e.g. 500.' }
  const bytes = Math.round(Number(trimmed) * MB)
  if (!Number.isSafeInteger(bytes)) return { error: 'That number is too large.' }
  if (quota !== undefined && quota > 0 && bytes > quota) {
    return {
      error: `This browser lets Coffer use at most ${formatBytes(quota)} on this device; pledge less than that.`,
    }
  }
  return { bytes }
}

/**
 * The space this device gives to other members: pledged, used for others, free. Stores that
 * would pass the pledge are refused by the store service, which reads the same setting.
 */
export class PledgeState {
  // Reactive, so a panel shown before the database opens (a reload on This device) sees it.
  #db = $state.raw<IDBPDatabase<CofferDB> | undefined>()
  #estimate: () => Promise<StorageEstimateLike | undefined>
  #pledged = $state<number | undefined>()
  #used = $state<number | undefined>()
  #free = $state<number | undefined>()
  #quota = $state<number | undefined>()
  #error = $state<string | undefined>()
  #saved = $state(false)

  constructor(
    estimate: () => Promise<StorageEstimateLike | undefined> = () => Promise.resolve(undefined),
  ) {
    this.#estimate = estimate
  }

  get ready(): boolean {
    return this.#db !== undefined && this.#pledged !== undefined
  }
  get pledged(): number | undefined {
    return this.#pledged
  }
  get used(): number | undefined {
    return this.#used
  }
  get free(): number | undefined {
    return this.#free
  }
  get quota(): number | undefined {
    return this.#quota
  }
  get error(): string | undefined {
    return this.#error
  }
  /** The last save went through (for a short confirmation). */
  get saved(): boolean {
    return this.#saved
  }

  async attach(db: IDBPDatabase<CofferDB>): Promise<void> {
    this.#db = db
    await this.refresh()
  }

  async refresh(): Promise<void> {
    if (this.#db === undefined) return
    const estimate = await this.#estimate().catch((err: unknown) => {
      // Without an estimate the pledge falls back to its fixed default.
      log('storage estimate unavailable: %s', err)
      return undefined
    })
    const u = await pledgeUsage(this.#db, estimate)
    this.#quota = estimate?.quota
    this.#pledged = u.pledged
    this.#used = u.used
    this.#free = u.free
  }

  /** Saves a pledge typed in megabytes; false (with `error` set) when it is not acceptable. */
  async save(text: string): Promise<boolean> {
    this.#saved = false
    const parsed = parsePledgeInput(text, this.#quota)
    if ('error' in parsed) {
      this.#error = parsed.error
      return false
    }
    if (this.#db === undefined) {
      this.#error = 'Coffer has not started yet.'
      return false
    }
    this.#error = undefined
    await savePledge(this.#db, parsed.bytes)
    await this.refresh()
    this.#saved = true
    return true
  }
}
