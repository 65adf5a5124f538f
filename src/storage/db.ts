import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

export const DB_NAME = 'coffer'

/**
 * Coffer's own IndexedDB database (shard bytes live apart, in blockstore-idb).
 * Bump DB_VERSION and append to MIGRATIONS; never edit a migration that has shipped.
 */
export interface CofferDB extends DBSchema {
  /** Device-level secrets and settings, keyed by name (e.g. 'peer-key' → protobuf private key). */
  kv: { key: string; value: unknown }
}

type Migration = (db: IDBPDatabase<CofferDB>) => void

const MIGRATIONS: Migration[] = [
  // 1: key/value store for the peer identity and device settings.
  (db) => {
    db.createObjectStore('kv')
  },
]

export const DB_VERSION = MIGRATIONS.length

export function openCofferDB(name = DB_NAME): Promise<IDBPDatabase<CofferDB>> {
  return openDB<CofferDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      for (let v = oldVersion; v < MIGRATIONS.length; v++) MIGRATIONS[v]?.(db)
    },
  })
}
