import 'fake-indexeddb/auto'
import type { IDBPDatabase } from 'idb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openCofferDB, type CofferDB, type FileRecord } from '../../src/storage/db.ts'
import { IdbHoldingLedger, listHoldings } from '../../src/storage/holding-ledger.ts'
import { defaultPledge, loadPledge, pledgeUsage, savePledge } from '../../src/storage/pledge.ts'
import {
  deleteReceiptsForFile,
  holdersByShard,
  receiptsForFile,
  receiptsForShard,
  saveReceipts,
} from '../../src/storage/receipts.ts'
import {
  deleteFile,
  getFile,
  listFiles,
  markInterruptedUploads,
  saveFile,
  updateFile,
} from '../../src/storage/files.ts'
import { clearJournal, journalStripe, readJournal } from '../../src/storage/journal.ts'

let db: IDBPDatabase<CofferDB>
let n = 0

beforeEach(async () => {
  db = await openCofferDB(`storage-test-${n++}`)
})
afterEach(() => db.close())

const MiB = 1024 * 1024

describe('holding ledger', () => {
  it('pins, counts bytes once per block, and releases only for an owner', async () => {
    const ledger = new IdbHoldingLedger(db, 'holder-1')
    await ledger.add({ cid: 'c1', owner: 'alice', size: 100, storedAt: 1 })
    await ledger.add({ cid: 'c1', owner: 'alice', size: 100, storedAt: 2 })
    await ledger.add({ cid: 'c1', owner: 'bob', size: 100, storedAt: 3 })
    await ledger.add({ cid: 'c2', owner: 'alice', size: 50, storedAt: 4 })
    expect(await ledger.usedBytes()).toBe(150)
    expect((await ledger.get('c1'))?.owners).toEqual(['alice', 'bob'])

    expect(await ledger.release('c1', 'mallory')).toBe('not-owner')
    expect(await ledger.release('c1', 'alice')).toBe('still-held')
    expect(await ledger.usedBytes()).toBe(150)
    expect(await ledger.release('c1', 'bob')).toBe('released')
    expect(await ledger.usedBytes()).toBe(50)
    expect(await ledger.release('c1', 'bob')).toBe('absent')
    expect((await listHoldings(db, 'holder-1')).map((h) => h.cid)).toEqual(['c2'])
  })

  it('keeps each local peer’s holdings apart but counts bytes for the whole device', async () => {
    const a = new IdbHoldingLedger(db, 'slot-0')
    const b = new IdbHoldingLedger(db, 'slot-1')
    await a.add({ cid: 'c', owner: 'o', size: 10, storedAt: 1 })
    await b.add({ cid: 'c', owner: 'o', size: 10, storedAt: 1 })
    expect(await b.get('c')).toBeDefined()
    expect(await a.release('c', 'o')).toBe('released')
    expect(await b.get('c')).toBeDefined()
    expect(await a.usedBytes()).toBe(10)
  })
})

describe('pledge', () => {
  it('defaults to a quarter of the free quota, capped at 2 GB, in whole MB', () => {
    const MB = 1_000_000
    expect(defaultPledge({ quota: 1000 * MB, usage: 200 * MB })).toBe(200 * MB)
    expect(defaultPledge({ quota: 100_000 * MB, usage: 0 })).toBe(2000 * MB)
    expect(defaultPledge({ quota: 10 * MB + 5, usage: 0 })).toBe(2 * MB)
    expect(defaultPledge({ quota: 100, usage: 200 })).toBe(0)
    expect(defaultPledge(undefined)).toBe(250 * MB)
    expect(defaultPledge({})).toBe(250 * MB)
  })

  it('stores an edited pledge and reports pledged, used and free', async () => {
    expect(await loadPledge(db, { quota: 400_000_000, usage: 0 })).toBe(100_000_000)
    await savePledge(db, 1000)
    expect(await loadPledge(db, { quota: 400_000_000 })).toBe(1000)
    await new IdbHoldingLedger(db, 'me').add({ cid: 'x', owner: 'o', size: 300, storedAt: 0 })
    expect(await pledgeUsage(db)).toEqual({ pledged: 1000, used: 300, free: 700 })
    await expect(savePledge(db, -1)).rejects.toThrow(RangeError)
  })
})

describe('receipts, files and journal', () => {
  const file = (
    id: string,
    createdAt: number,
    state: FileRecord['state'] = 'uploading',
  ): FileRecord => ({
    id,
    owner: 'me',
    key: new Uint8Array(32).fill(1),
    name: `${id}.bin`,
    size: 10,
    type: 'application/octet-stream',
    createdAt,
    state,
    k: 4,
    n: 8,
    segmentSize: MiB,
  })

  it('finds receipts by file and by shard, and holders per shard', async () => {
    const sig = new Uint8Array(64)
    await saveReceipts(db, [
      { file: 'f1', shard: 's1', holder: 'h1', size: 1, time: 1, signature: sig },
      { file: 'f1', shard: 's1', holder: 'h2', size: 1, time: 1, signature: sig },
      { file: 'f1', shard: 's2', holder: 'h1', size: 1, time: 1, signature: sig },
      { file: 'f2', shard: 's3', holder: 'h3', size: 1, time: 1, signature: sig },
    ])
    expect(await receiptsForFile(db, 'f1')).toHaveLength(3)
    expect((await receiptsForShard(db, 's1')).map((r) => r.holder).sort()).toEqual(['h1', 'h2'])
    expect(holdersByShard(await receiptsForFile(db, 'f1'))).toEqual(
      new Map([
        ['s1', ['h1', 'h2']],
        ['s2', ['h1']],
      ]),
    )
    await deleteReceiptsForFile(db, 'f1')
    expect(await receiptsForFile(db, 'f1')).toHaveLength(0)
    expect(await receiptsForFile(db, 'f2')).toHaveLength(1)
  })

  it('lists files newest first, renames, and survives reopening the database', async () => {
    await saveFile(db, file('a', 1, 'complete'))
    await saveFile(db, file('b', 2, 'complete'))
    await updateFile(db, 'a', { name: 'renamed' })
    const name = db.name
    db.close()
    db = await openCofferDB(name)
    expect((await listFiles(db)).map((f) => f.id)).toEqual(['b', 'a'])
    expect((await getFile(db, 'a'))?.name).toBe('renamed')
  })

  it('never leaves an upload cut off by a closed tab looking complete', async () => {
    await saveFile(db, file('done', 1, 'complete'))
    await saveFile(db, file('cut', 2, 'uploading'))
    const marked = await markInterruptedUploads(db)
    expect(marked.map((f) => f.id)).toEqual(['cut'])
    expect((await getFile(db, 'cut'))?.state).toBe('interrupted')
    expect((await getFile(db, 'done'))?.state).toBe('complete')
  })

  it('journals stripes for resume and forgets everything of a deleted file', async () => {
    await saveFile(db, file('f', 1))
    await journalStripe(db, { fileId: 'f', stripe: 1, shards: [{ cid: 'b', size: 1 }] })
    await journalStripe(db, { fileId: 'f', stripe: 0, shards: [{ cid: 'a', size: 1 }] })
    await journalStripe(db, { fileId: 'g', stripe: 0, shards: [{ cid: 'z', size: 1 }] })
    expect((await readJournal(db, 'f')).map((s) => s.stripe)).toEqual([0, 1])
    await saveReceipts(db, [
      { file: 'f', shard: 'a', holder: 'h', size: 1, time: 1, signature: new Uint8Array(1) },
    ])
    await deleteFile(db, 'f')
    expect(await getFile(db, 'f')).toBeUndefined()
    expect(await readJournal(db, 'f')).toEqual([])
    expect(await receiptsForFile(db, 'f')).toEqual([])
    expect(await readJournal(db, 'g')).toHaveLength(1)
    await clearJournal(db, 'g')
    expect(await readJournal(db, 'g')).toEqual([])
  })
})
