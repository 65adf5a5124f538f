import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import {
  BlockMissingError,
  DiskBlockstore,
  DiskHoldingLedger,
  LedgerFormatError,
  diskSpace,
} from '../../src/storage/disk/index.ts'

const OWNER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const OTHER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

async function block(seed: number, size = 1000): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function readAll(store: DiskBlockstore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of store.get(cid)) parts.push(p)
  return new Uint8Array(Buffer.concat(parts))
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-disk-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('DiskBlockstore', () => {
  it('keeps a block under its CID and gives the same bytes back', async () => {
    const store = new DiskBlockstore(dir)
    await store.open()
    const b = await block(1)
    expect(await store.has(b.cid)).toBe(false)
    await store.put(b.cid, b.bytes)
    expect(await store.has(b.cid)).toBe(true)
    expect(await readAll(store, b.cid)).toEqual(b.bytes)
    // Nothing is left in the temp directory once a put resolved.
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
    // A second store on the same directory (a restart) sees it.
    const again = new DiskBlockstore(dir)
    await again.open()
    expect(await readAll(again, b.cid)).toEqual(b.bytes)
    await again.delete(b.cid)
    expect(await again.has(b.cid)).toBe(false)
    await expect(readAll(again, b.cid)).rejects.toBeInstanceOf(BlockMissingError)
  })

  it('drops temp files a crash left behind when it opens, and never shows them as blocks', async () => {
    const store = new DiskBlockstore(dir)
    await store.open()
    const b = await block(2)
    await writeFile(join(dir, 'tmp', '123-abc.tmp'), b.bytes.subarray(0, 10))
    await new DiskBlockstore(dir).open()
    expect(await readdir(join(dir, 'tmp'))).toEqual([])
    expect(await store.has(b.cid)).toBe(false)
  })

  it('reports a block file that no longer matches its CID and treats it as missing', async () => {
    const corrupt: string[] = []
    const store = new DiskBlockstore(dir, { onCorrupt: (cid) => corrupt.push(cid.toString()) })
    await store.open()
    const b = await block(3)
    await store.put(b.cid, b.bytes)
    const name = b.cid.toString()
    const file = join(dir, 'blocks', name.slice(-2), name)
    const bad = await readFile(file)
    bad[500] = (bad[500] ?? 0) ^ 0x01
    await writeFile(file, bad)

    const err = await readAll(store, b.cid).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BlockMissingError)
    // The name the fetch service answers "not found" for.
    expect((err as Error).name).toBe('NotFoundError')
    expect(corrupt).toEqual([name])
    expect(await store.has(b.cid)).toBe(false)
    const aside = await readdir(join(dir, 'corrupt'))
    expect(aside).toHaveLength(1)
    expect(aside[0]!.startsWith(name)).toBe(true)
    // The owner can store it again and it is served once more.
    await store.put(b.cid, b.bytes)
    expect(await readAll(store, b.cid)).toEqual(b.bytes)
  })

  it('accepts a block given in pieces', async () => {
    const store = new DiskBlockstore(dir)
    await store.open()
    const b = await block(4)
    await store.put(b.cid, [b.bytes.subarray(0, 300), b.bytes.subarray(300)])
    expect(await readAll(store, b.cid)).toEqual(b.bytes)
  })
})

describe('DiskHoldingLedger', () => {
  it('remembers holdings, owners and used bytes across a reopen', async () => {
    const ledger = new DiskHoldingLedger(dir, 'keeper')
    await ledger.open()
    await ledger.add({ cid: 'bafkaa', owner: OWNER, size: 100, storedAt: 1 })
    await ledger.add({ cid: 'bafkbb', owner: OWNER, size: 50, storedAt: 2 })
    await ledger.add({ cid: 'bafkbb', owner: OTHER, size: 50, storedAt: 3 })
    expect(await ledger.usedBytes()).toBe(150)
    expect(await ledger.release('bafkbb', OWNER)).toBe('still-held')
    expect(await ledger.release('bafkbb', OWNER)).toBe('not-owner')
    expect(await ledger.release('bafkcc', OWNER)).toBe('absent')
    await ledger.close()

    const again = new DiskHoldingLedger(dir, 'keeper')
    await again.open()
    expect(await again.usedBytes()).toBe(150)
    expect((await again.get('bafkbb'))?.owners).toEqual([OTHER])
    expect(await again.release('bafkaa', OWNER)).toBe('released')
    await again.forget('bafkbb')
    expect(await again.usedBytes()).toBe(0)
    await again.close()
    const third = new DiskHoldingLedger(dir, 'keeper')
    await third.open()
    expect(third.size).toBe(0)
    await third.close()
  })

  it('cuts off a torn last line (an append a crash interrupted) and keeps the rest', async () => {
    const ledger = new DiskHoldingLedger(dir, 'keeper')
    await ledger.open()
    await ledger.add({ cid: 'bafkaa', owner: OWNER, size: 100, storedAt: 1 })
    await ledger.close()
    await appendFile(join(dir, 'holdings.jsonl'), '{"op":"add","cid":"bafkbb","own')
    const again = new DiskHoldingLedger(dir, 'keeper')
    await again.open()
    expect(again.entries().map((e) => e.cid)).toEqual(['bafkaa'])
    await again.add({ cid: 'bafkcc', owner: OWNER, size: 7, storedAt: 2 })
    await again.close()
    const text = await readFile(join(dir, 'holdings.jsonl'), 'utf8')
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(2)
  })

  it('refuses to open a journal with a line it did not write', async () => {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'holdings.jsonl'), '{"op":"add"}\n{"op":"forget","cid":"bafkaa"}\n')
    await expect(new DiskHoldingLedger(dir, 'keeper').open()).rejects.toBeInstanceOf(
      LedgerFormatError,
    )
  })

  it('compacts a long journal into one line per holding when it opens', async () => {
    const lines: string[] = []
    for (let i = 0; i < 12_000; i++) {
      lines.push(JSON.stringify({ op: 'add', cid: 'bafkaa', owner: OWNER, size: 10, at: i }))
      lines.push(JSON.stringify({ op: 'release', cid: 'bafkaa', owner: OWNER }))
    }
    lines.push(JSON.stringify({ op: 'add', cid: 'bafkzz', owner: OWNER, size: 10, at: 1 }))
    await writeFile(join(dir, 'holdings.jsonl'), `${lines.join('\n')}\n`)
    await mkdir(join(dir, 'tmp'), { recursive: true })
    const ledger = new DiskHoldingLedger(dir, 'keeper')
    await ledger.open()
    await ledger.close()
    const text = await readFile(join(dir, 'holdings.jsonl'), 'utf8')
    expect(text.trim().split('\n')).toHaveLength(1)
    expect(text).toContain('bafkzz')
  })
})

describe('diskSpace', () => {
  it('pledges no more than the disk has free beyond the headroom', async () => {
    let free = 10_000
    const used = { usedBytes: () => Promise.resolve(3_000) }
    const space = diskSpace(dir, used, {
      pledge: 8_000,
      headroom: 1_000,
      available: () => Promise.resolve(free),
    })
    expect(await space.pledgedBytes()).toBe(8_000)
    expect(await space.freeBytes()).toBe(5_000)
    free = 2_500
    expect(await space.pledgedBytes()).toBe(4_500)
    expect(await space.freeBytes()).toBe(1_500)
    free = 500
    expect(await space.freeBytes()).toBe(0)
  })

  it('reads the real file system by default', async () => {
    const space = diskSpace(
      dir,
      { usedBytes: () => Promise.resolve(0) },
      { pledge: 1, headroom: 0 },
    )
    expect(await space.pledgedBytes()).toBe(1)
  })
})
