import type { IDBPDatabase } from 'idb'
import type { CofferDB, JournalStripe } from './db.ts'

/** Records a stripe as encoded and placed (after its receipts are saved). */
export async function journalStripe(
  db: IDBPDatabase<CofferDB>,
  entry: JournalStripe,
): Promise<void> {
  await db.put('journal', entry)
}

/** The stripes of an upload already done, in stripe order. */
export async function readJournal(
  db: IDBPDatabase<CofferDB>,
  fileId: string,
): Promise<JournalStripe[]> {
  const all = await db.getAllFromIndex('journal', 'by-file', fileId)
  return all.sort((a, b) => a.stripe - b.stripe)
}

/** Drops the journal once the manifest is stored (or the upload is discarded). */
export async function clearJournal(db: IDBPDatabase<CofferDB>, fileId: string): Promise<void> {
  const tx = db.transaction('journal', 'readwrite')
  const keys = await tx.store.index('by-file').getAllKeys(fileId)
  await Promise.all(keys.map((k) => tx.store.delete(k)))
  await tx.done
}
