import type { Coop } from '../net/types.ts'
import { openCofferDB } from '../storage/db.ts'

const COOP_KEY = 'coop'

function isCoop(value: unknown): value is Coop {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Partial<Coop>
  return (
    typeof c.id === 'string' &&
    typeof c.name === 'string' &&
    Array.isArray(c.relays) &&
    c.relays.every((r) => typeof r === 'string')
  )
}

/** The co-op this device belongs to, kept so the app opens offline and across reloads. */
export async function loadCoop(dbName?: string): Promise<Coop | undefined> {
  const db = await openCofferDB(dbName)
  try {
    const value = await db.get('kv', COOP_KEY)
    return isCoop(value) ? value : undefined
  } finally {
    db.close()
  }
}

export async function saveCoop(coop: Coop, dbName?: string): Promise<void> {
  const db = await openCofferDB(dbName)
  try {
    await db.put('kv', { id: coop.id, name: coop.name, relays: [...coop.relays] }, COOP_KEY)
  } finally {
    db.close()
  }
}
