import { logger } from '@libp2p/logger'
import type { Coop } from '../net/types.ts'
import { newSecretText } from '../net/coop.ts'
import { openCofferDB } from '../storage/db.ts'

const log = logger('coffer:app:coop-store')
const COOP_KEY = 'coop'

function isCoop(value: unknown): value is Coop {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Partial<Coop>
  return (
    typeof c.id === 'string' &&
    typeof c.name === 'string' &&
    Array.isArray(c.relays) &&
    c.relays.every((r) => typeof r === 'string') &&
    (c.secret === undefined || typeof c.secret === 'string')
  )
}

/**
 * The co-op this device belongs to, kept so the app opens offline and across reloads. A co-op
 * stored before co-op secrets existed gets one here, once (docs/MEMBERSHIP.md "Migration"):
 * this device keeps the co-op, and its other members need a fresh invite from it.
 */
export async function loadCoop(dbName?: string): Promise<Coop | undefined> {
  const db = await openCofferDB(dbName)
  try {
    const value: unknown = await db.get('kv', COOP_KEY)
    if (!isCoop(value)) return undefined
    if (value.secret !== undefined) return value
    const migrated = { ...value, secret: newSecretText() }
    await db.put('kv', migrated, COOP_KEY)
    log('co-op %s had no secret: gave it one; other members need a new invite', value.id)
    return migrated
  } finally {
    db.close()
  }
}

export async function saveCoop(coop: Coop, dbName?: string): Promise<void> {
  const db = await openCofferDB(dbName)
  try {
    const stored: Coop = { id: coop.id, name: coop.name, relays: [...coop.relays] }
    if (coop.secret !== undefined) stored.secret = coop.secret
    await db.put('kv', stored, COOP_KEY)
  } finally {
    db.close()
  }
}
