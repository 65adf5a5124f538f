import { openCofferDB } from './db.ts'

/** kv key of a tab slot's peer key (protobuf-encoded libp2p private key). */
export function peerKeyName(slot: number): string {
  return slot === 0 ? 'peer-key' : `peer-key/${slot}`
}

/** The stored peer key of an identity slot, or undefined on first start. */
export async function loadPeerKey(slot: number, dbName?: string): Promise<Uint8Array | undefined> {
  const db = await openCofferDB(dbName)
  try {
    const value: unknown = await db.get('kv', peerKeyName(slot))
    return value instanceof Uint8Array ? value : undefined
  } finally {
    db.close()
  }
}

/**
 * Stores `key` unless the slot already has one, and returns the slot's key. The caller
 * generates the key before calling: no crypto is awaited inside the transaction.
 */
export async function savePeerKeyIfAbsent(
  slot: number,
  key: Uint8Array,
  dbName?: string,
): Promise<Uint8Array> {
  const db = await openCofferDB(dbName)
  try {
    const tx = db.transaction('kv', 'readwrite')
    const existing: unknown = await tx.store.get(peerKeyName(slot))
    if (existing instanceof Uint8Array) {
      await tx.done
      return existing
    }
    await tx.store.put(key, peerKeyName(slot))
    await tx.done
    return key
  } finally {
    db.close()
  }
}
