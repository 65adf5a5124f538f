import type { IDBPDatabase } from 'idb'
import type { CofferDB } from '../../storage/db.ts'
import type { CID } from 'multiformats/cid'

/**
 * Where the owner keeps its own copy of each file's manifest block: the Files view reads the
 * shard CIDs from it for health and repair without asking the network.
 */
export interface ManifestStore {
  put(cid: CID, bytes: Uint8Array): Promise<void>
  get(cid: CID): Promise<Uint8Array | undefined>
  delete(cid: CID): Promise<void>
}

/** Key prefix of the owner's manifest copies in Coffer's `kv` store. */
export const MANIFEST_KV_PREFIX = 'manifest:'

/**
 * The owner's manifest copies in Coffer's own IndexedDB (`kv`, key `manifest:<cid>`). Kept out
 * of Helia's blockstore on purpose: its delete waits for an exclusive lock that any pending
 * network read holds, which stalled deleting a file.
 */
export function kvManifests(db: IDBPDatabase<CofferDB>): ManifestStore {
  const key = (cid: CID): string => `${MANIFEST_KV_PREFIX}${cid.toString()}`
  return {
    put: async (cid, bytes) => {
      await db.put('kv', bytes, key(cid))
    },
    get: async (cid) => {
      const v = await db.get('kv', key(cid))
      return v instanceof Uint8Array ? v : undefined
    },
    delete: async (cid) => {
      await db.delete('kv', key(cid))
    },
  }
}

/** In memory, for tests and for pages without a blockstore. */
export function memoryManifests(): ManifestStore {
  const blocks = new Map<string, Uint8Array>()
  return {
    put: (cid, bytes) => {
      blocks.set(cid.toString(), bytes)
      return Promise.resolve()
    },
    get: (cid) => Promise.resolve(blocks.get(cid.toString())),
    delete: (cid) => {
      blocks.delete(cid.toString())
      return Promise.resolve()
    },
  }
}
