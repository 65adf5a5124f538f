import type { IDBPDatabase } from 'idb'
import type { CofferDB, HoldingRecord } from './db.ts'

/** kv key of the bytes held for others by every peer of this device, kept with each change. */
export const HELD_BYTES_KEY = 'held-bytes'

export type ReleaseResult =
  /** The last owner let go: the caller deletes the block. */
  | 'released'
  /** This owner let go, but another owner still has it pinned. */
  | 'still-held'
  /** The block is held, but not for this owner. */
  | 'not-owner'
  /** The block is not held at all. */
  | 'absent'

/** What the store service needs to know about the blocks a peer keeps for others. */
export interface HoldingLedger {
  get(cid: string): Promise<HoldingRecord | undefined>
  /** Pins `cid` for `owner`; idempotent, and a block stored by two owners counts once. */
  add(entry: { cid: string; owner: string; size: number; storedAt: number }): Promise<void>
  release(cid: string, owner: string): Promise<ReleaseResult>
  /** Bytes held for others on this device (all local peers together, as the pledge is per device). */
  usedBytes(): Promise<number>
}

function counter(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/** The holding ledger of local peer `holder` in Coffer's IndexedDB. */
export class IdbHoldingLedger implements HoldingLedger {
  readonly #db: IDBPDatabase<CofferDB>
  readonly #holder: string

  constructor(db: IDBPDatabase<CofferDB>, holder: string) {
    this.#db = db
    this.#holder = holder
  }

  get(cid: string): Promise<HoldingRecord | undefined> {
    return this.#db.get('holdings', [this.#holder, cid])
  }

  async add(entry: { cid: string; owner: string; size: number; storedAt: number }): Promise<void> {
    const tx = this.#db.transaction(['holdings', 'kv'], 'readwrite')
    const holdings = tx.objectStore('holdings')
    const kv = tx.objectStore('kv')
    const existing = await holdings.get([this.#holder, entry.cid])
    if (existing !== undefined) {
      if (!existing.owners.includes(entry.owner)) {
        existing.owners.push(entry.owner)
        await holdings.put(existing)
      }
    } else {
      await holdings.put({
        holder: this.#holder,
        cid: entry.cid,
        owners: [entry.owner],
        size: entry.size,
        storedAt: entry.storedAt,
      })
      await kv.put(counter(await kv.get(HELD_BYTES_KEY)) + entry.size, HELD_BYTES_KEY)
    }
    await tx.done
  }

  async release(cid: string, owner: string): Promise<ReleaseResult> {
    const tx = this.#db.transaction(['holdings', 'kv'], 'readwrite')
    const holdings = tx.objectStore('holdings')
    const kv = tx.objectStore('kv')
    const existing = await holdings.get([this.#holder, cid])
    let result: ReleaseResult
    if (existing === undefined) result = 'absent'
    else if (!existing.owners.includes(owner)) result = 'not-owner'
    else if (existing.owners.length > 1) {
      existing.owners = existing.owners.filter((o) => o !== owner)
      await holdings.put(existing)
      result = 'still-held'
    } else {
      await holdings.delete([this.#holder, cid])
      await kv.put(
        Math.max(0, counter(await kv.get(HELD_BYTES_KEY)) - existing.size),
        HELD_BYTES_KEY,
      )
      result = 'released'
    }
    await tx.done
    return result
  }

  async usedBytes(): Promise<number> {
    return counter(await this.#db.get('kv', HELD_BYTES_KEY))
  }
}

/** Every block local peer `holder` keeps for others (for the settings view and audits). */
export function listHoldings(db: IDBPDatabase<CofferDB>, holder: string): Promise<HoldingRecord[]> {
  return db.getAllFromIndex('holdings', 'by-holder', holder)
}
