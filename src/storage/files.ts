import type { IDBPDatabase } from 'idb'
import type { CofferDB, FileRecord, FileState } from './db.ts'

export async function saveFile(db: IDBPDatabase<CofferDB>, file: FileRecord): Promise<void> {
  await db.put('files', file)
}

export function getFile(db: IDBPDatabase<CofferDB>, id: string): Promise<FileRecord | undefined> {
  return db.get('files', id)
}

/** All my files, newest first. */
export async function listFiles(db: IDBPDatabase<CofferDB>): Promise<FileRecord[]> {
  const all = await db.getAll('files')
  return all.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
}

/** Changes fields of a stored file in one transaction; returns the new record. */
export async function updateFile(
  db: IDBPDatabase<CofferDB>,
  id: string,
  patch: Partial<Pick<FileRecord, 'name' | 'state' | 'manifestCid'>>,
): Promise<FileRecord | undefined> {
  const tx = db.transaction('files', 'readwrite')
  const file = await tx.store.get(id)
  if (file !== undefined) {
    Object.assign(file, patch)
    await tx.store.put(file)
  }
  await tx.done
  return file
}

/** Forgets a file with its receipts and journal (the holders are told separately). */
export async function deleteFile(db: IDBPDatabase<CofferDB>, id: string): Promise<void> {
  const tx = db.transaction(['files', 'receipts', 'journal'], 'readwrite')
  const receipts = tx.objectStore('receipts')
  const journal = tx.objectStore('journal')
  const receiptKeys = await receipts.index('by-file').getAllKeys(id)
  const journalKeys = await journal.index('by-file').getAllKeys(id)
  await Promise.all([
    tx.objectStore('files').delete(id),
    ...receiptKeys.map((k) => receipts.delete(k)),
    ...journalKeys.map((k) => journal.delete(k)),
  ])
  await tx.done
}

/**
 * At start-up no upload is running yet, so every file still marked 'uploading' was cut off by a
 * closed tab: mark it 'interrupted' so it is never shown as complete. Returns those files.
 */
export async function markInterruptedUploads(db: IDBPDatabase<CofferDB>): Promise<FileRecord[]> {
  const tx = db.transaction('files', 'readwrite')
  const uploading = await tx.store.index('by-state').getAll('uploading' satisfies FileState)
  for (const f of uploading) f.state = 'interrupted'
  await Promise.all(uploading.map((f) => tx.store.put(f)))
  await tx.done
  return uploading
}
