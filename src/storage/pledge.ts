import type { IDBPDatabase } from 'idb'
import type { CofferDB } from './db.ts'
import { HELD_BYTES_KEY } from './holding-ledger.ts'

export const PLEDGE_KEY = 'pledge-bytes'
// Decimal units, as the app shows every size (and as the pledge form takes megabytes), so a
// default of "2 GB" reads as 2 GB and not as 2.1 GB.
const MB = 1_000_000
const GB = 1000 * MB
/** Pledge when the browser gives no estimate. */
export const FALLBACK_PLEDGE_BYTES = 250 * MB
/** A default never asks for more than this; the member can raise it in settings. */
export const MAX_DEFAULT_PLEDGE_BYTES = 2 * GB
/** Share of the space still available to the origin that the default pledges. */
export const DEFAULT_PLEDGE_SHARE = 0.25

/** The subset of `navigator.storage.estimate()` the default is computed from. */
export interface StorageEstimateLike {
  quota?: number
  usage?: number
}

/**
 * Default pledge: a quarter of what the origin may still use, at most 2 GB, rounded down to
 * whole MB. The origin's own files and the browser's eviction headroom need the rest; a
 * member who wants to give more says so in settings.
 */
export function defaultPledge(estimate: StorageEstimateLike | undefined): number {
  const quota = estimate?.quota
  if (quota === undefined || !Number.isFinite(quota) || quota <= 0) return FALLBACK_PLEDGE_BYTES
  const usage = Math.max(0, estimate?.usage ?? 0)
  const available = Math.max(0, quota - usage)
  const bytes = Math.min(MAX_DEFAULT_PLEDGE_BYTES, available * DEFAULT_PLEDGE_SHARE)
  return Math.floor(bytes / MB) * MB
}

/** The member's pledge, or the default for `estimate` when none was set. */
export async function loadPledge(
  db: IDBPDatabase<CofferDB>,
  estimate?: StorageEstimateLike,
): Promise<number> {
  const v = await db.get('kv', PLEDGE_KEY)
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : defaultPledge(estimate)
}

export async function savePledge(db: IDBPDatabase<CofferDB>, bytes: number): Promise<void> {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`invalid pledge ${bytes}`)
  await db.put('kv', bytes, PLEDGE_KEY)
}

export interface PledgeUsage {
  pledged: number
  used: number
  free: number
}

/** Pledged, used for others, and free: what the settings view shows. */
export async function pledgeUsage(
  db: IDBPDatabase<CofferDB>,
  estimate?: StorageEstimateLike,
): Promise<PledgeUsage> {
  const pledged = await loadPledge(db, estimate)
  const v = await db.get('kv', HELD_BYTES_KEY)
  const used = typeof v === 'number' && v > 0 ? v : 0
  return { pledged, used, free: Math.max(0, pledged - used) }
}

/** The pledge as the store service reads it: the member's setting, or the default for `estimate`. */
export function idbPledge(
  db: IDBPDatabase<CofferDB>,
  estimate?: StorageEstimateLike,
): { pledgedBytes(): Promise<number> } {
  return { pledgedBytes: () => loadPledge(db, estimate) }
}

/** Free pledged space as the fetch service reports it to uploaders. */
export function idbSpace(
  db: IDBPDatabase<CofferDB>,
  estimate?: StorageEstimateLike,
): { freeBytes(): Promise<number> } {
  return { freeBytes: async () => (await pledgeUsage(db, estimate)).free }
}
