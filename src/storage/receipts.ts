import type { IDBPDatabase } from 'idb'
import type { CofferDB, ReceiptRecord } from './db.ts'

/** Keeps receipts (a later receipt for the same shard and holder replaces the earlier one). */
export async function saveReceipts(
  db: IDBPDatabase<CofferDB>,
  receipts: ReceiptRecord[],
): Promise<void> {
  const tx = db.transaction('receipts', 'readwrite')
  await Promise.all(receipts.map((r) => tx.store.put(r)))
  await tx.done
}

export function receiptsForFile(
  db: IDBPDatabase<CofferDB>,
  fileId: string,
): Promise<ReceiptRecord[]> {
  return db.getAllFromIndex('receipts', 'by-file', fileId)
}

export function receiptsForShard(
  db: IDBPDatabase<CofferDB>,
  shard: string,
): Promise<ReceiptRecord[]> {
  return db.getAllFromIndex('receipts', 'by-shard', shard)
}

/** Forgets one holder's receipt, e.g. after it confirmed a delete. */
export async function deleteReceipt(
  db: IDBPDatabase<CofferDB>,
  shard: string,
  holder: string,
): Promise<void> {
  await db.delete('receipts', [shard, holder])
}

export async function deleteReceiptsForFile(
  db: IDBPDatabase<CofferDB>,
  fileId: string,
): Promise<void> {
  const tx = db.transaction('receipts', 'readwrite')
  const keys = await tx.store.index('by-file').getAllKeys(fileId)
  await Promise.all(keys.map((k) => tx.store.delete(k)))
  await tx.done
}

/** Holders per shard CID from a file's receipts: the input of placement health. */
export function holdersByShard(receipts: ReceiptRecord[]): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const r of receipts) {
    const list = m.get(r.shard)
    if (list === undefined) m.set(r.shard, [r.holder])
    else if (!list.includes(r.holder)) list.push(r.holder)
  }
  return m
}
