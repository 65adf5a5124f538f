/**
 * Helpers of the multi-browser file-transfer tests (transfer-*.spec.ts): the owner's records
 * in IndexedDB, where each shard is held, and direct edits of a holder's blockstore.
 */
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from '@playwright/test'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { parseManifest, type Layout } from '../../src/core/manifest.ts'
import { blocksOf, expect, idbValues, type Peer } from './fixtures.ts'

export const MiB = 1024 * 1024

export interface FileRow {
  id: string
  name: string
  state: string
  manifestCid?: string
  key: Uint8Array
}
export interface ReceiptRow {
  file: string
  shard: string
  holder: string
}

export async function openFiles(page: Page): Promise<void> {
  await page.getByTestId('nav-files').click()
  await expect(page.getByTestId('pick-files')).toBeEnabled({ timeout: 60_000 })
}

export function fileRow(page: Page, name: string) {
  return page.locator(`[data-testid="file-row"][data-file-name="${name}"]`)
}

/** Picks a file in the Files view and waits until its upload is complete. */
export async function uploadThroughUi(
  page: Page,
  name: string,
  data: Buffer,
  mimeType = 'application/octet-stream',
): Promise<void> {
  await openFiles(page)
  await page.getByTestId('file-input').setInputFiles({
    name,
    mimeType,
    buffer: data,
  })
  await expect(fileRow(page, name)).toHaveAttribute('data-state', 'complete', {
    timeout: 240_000,
  })
}

/** A value of Coffer's kv store in a page's IndexedDB. */
export function kvValue(page: Page, key: string): Promise<unknown> {
  return page.evaluate(
    (k) =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open('coffer')
        open.onerror = () => reject(open.error ?? new Error('open failed'))
        open.onsuccess = () => {
          const req = open.result.transaction('kv').objectStore('kv').get(k)
          req.onsuccess = () => {
            open.result.close()
            resolve(req.result)
          }
          req.onerror = () => reject(req.error ?? new Error('get failed'))
        }
      }),
    key,
  )
}

/** The owner's record, receipts and manifest layout of one file, read from its IndexedDB. */
export async function storedFile(page: Page, name: string) {
  const files = await idbValues<FileRow>(page, 'coffer', 'files')
  const record = files.find((f) => f.name === name)
  if (record?.manifestCid === undefined) throw new Error(`${name} is not complete`)
  const receipts = (await idbValues<ReceiptRow>(page, 'coffer', 'receipts')).filter(
    (r) => r.file === record.id,
  )
  // The owner keeps its copy of the manifest in Coffer's kv store.
  const bytes = (await kvValue(page, `manifest:${record.manifestCid}`)) as Uint8Array
  const layout: Layout = parseManifest(new Uint8Array(bytes)).layout
  return { record, receipts, layout }
}

/** Bytes a member holds for others, as its ledger counts them. */
export async function heldBytes(page: Page): Promise<number> {
  const value = await kvValue(page, 'held-bytes')
  return typeof value === 'number' ? value : 0
}

/**
 * Checks every shard of every stripe is in some member's blockstore, and that no member keeps
 * more than the placement rule allows of one stripe. Returns the blocks per member. With the
 * owner's receipts, a failure also says which holders the receipts name for each shard.
 */
export async function expectSpread(
  layout: Layout,
  members: Peer[],
  fairShare = false,
  receipts?: { rows: ReceiptRow[]; memberIds: string[] },
): Promise<Map<string, number>[]> {
  const blocks = await Promise.all(members.map((m) => blocksOf(m.page)))
  const p = members.length
  // The rule: distinct peers when there are n; otherwise at most n − k per peer. With room on
  // every peer, placement also keeps to the fair share ⌈n / p⌉.
  const cap = p >= layout.n ? 1 : fairShare ? Math.ceil(layout.n / p) : layout.n - layout.k
  for (const [i, stripe] of layout.stripes.entries()) {
    const perPeer = blocks.map(() => 0)
    const where: string[] = []
    for (const cid of stripe.shards) {
      const held = blocks.flatMap((b, j) => (b.has(cid.toString()) ? [j] : []))
      expect(held.length, `stripe ${i} shard ${cid.toString()} is held`).toBeGreaterThan(0)
      for (const j of held) perPeer[j]!++
      // Each shard is its own block of the stripe's shard size.
      expect(blocks[held[0]!]!.get(cid.toString())).toBe(stripe.shardSize)
      const named = receipts?.rows
        .filter((r) => r.shard === cid.toString())
        .map((r) => receipts.memberIds.indexOf(r.holder))
      where.push(`${held.join('+')}${named ? `/${named.join('+')}` : ''}`)
    }
    expect(
      Math.max(...perPeer),
      `stripe ${i}: at most ${cap} shards per peer (member per shard${receipts ? ' / per receipt' : ''}: ${where.join(' ')})`,
    ).toBeLessThanOrEqual(cap)
  }
  return blocks
}

function blockKey(cid: string): string {
  return `/${base32upper.encode(CID.parse(cid).multihash.bytes)}`
}

/**
 * Changes one block in a member's IndexedDB blockstore behind Coffer's back: 'alter' flips its
 * first byte (a damaged or dishonest holder), 'drop' removes it (a lost block).
 */
export async function tamperBlock(page: Page, cid: string, how: 'alter' | 'drop'): Promise<void> {
  await page.evaluate(
    ([key, mode]) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('coffer-blocks')
        open.onerror = () => reject(open.error ?? new Error('open failed'))
        open.onsuccess = () => {
          const tx = open.result.transaction('coffer-blocks', 'readwrite')
          const store = tx.objectStore('coffer-blocks')
          const req = store.get(key)
          req.onsuccess = () => {
            if (req.result === undefined) return tx.abort()
            if (mode === 'drop') return void store.delete(key)
            const bytes = new Uint8Array(req.result as ArrayBuffer).slice()
            bytes[0] = bytes[0]! ^ 0xff
            store.put(bytes, key)
          }
          tx.oncomplete = () => {
            open.result.close()
            resolve()
          }
          tx.onabort = () => reject(new Error(`no block ${key}`))
        }
      }),
    [blockKey(cid), how] as const,
  )
}

/** A fresh browser context that saves through the service worker (no save picker). */
export async function guestPage(
  browser: Browser,
  link: string,
): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext()
  // The save picker needs a person to answer it; the streamed service-worker download does not.
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
  })
  const page = await context.newPage()
  await page.goto(link)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 60_000,
  })
  return { page, close: () => context.close() }
}

export async function downloadBytes(page: Page, timeout: number): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.getByTestId('share-download').click(),
  ])
  return readFile(await download.path())
}
