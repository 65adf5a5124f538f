import type { IDBPDatabase } from 'idb'
import type { CofferDB } from './db.ts'

/** Notes `peers` as connected at `now`. */
export async function markSeen(
  db: IDBPDatabase<CofferDB>,
  peers: Iterable<string>,
  now: number,
): Promise<void> {
  const tx = db.transaction('seen', 'readwrite')
  await Promise.all([...peers].map((peer) => tx.store.put({ peer, lastSeen: now })))
  await tx.done
}

/** Last time each counted holder was connected. */
export async function lastSeenByPeer(db: IDBPDatabase<CofferDB>): Promise<Map<string, number>> {
  const all = await db.getAll('seen')
  return new Map(all.map((s) => [s.peer, s.lastSeen]))
}
