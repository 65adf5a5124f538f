/**
 * A share link opened in a fresh browser (not a member, empty storage) with the owner's device
 * closed: the guest reaches the holders through the relay, downloads over direct WebRTC, and the
 * saved file has the original's SHA-256 even though one holder's pieces were altered.
 * (That the holder is also named in the UI is not asserted yet: in the first run the report
 * did not appear; see the issue-4 download report.)
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { base32upper } from 'multiformats/bases/base32'
import { formatShareLink } from '../../src/core/index.ts'
import { blocksOf, expect, idbValues, openCoop, test } from '../e2e/fixtures.ts'

const MiB = 1024 * 1024

interface FileRow {
  id: string
  name: string
  state: string
  manifestCid?: string
  key: Uint8Array
}
interface ReceiptRow {
  file: string
  shard: string
  holder: string
}

test('a fresh browser downloads the exact bytes from a share link with the owner closed, despite a holder with altered pieces', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(360_000)
  const { owner, members } = await openCoop(openPeer, { members: 4 })
  await owner.page.getByTestId('nav-files').click()
  await expect(owner.page.getByTestId('pick-files')).toBeEnabled({ timeout: 60_000 })
  const data = randomBytes(20 * MiB)
  await owner.page.getByTestId('file-input').setInputFiles({
    name: 'random.bin',
    mimeType: 'application/octet-stream',
    buffer: data,
  })
  await expect(
    owner.page.locator('[data-testid="file-row"][data-file-name="random.bin"]'),
  ).toHaveAttribute('data-state', 'complete', { timeout: 240_000 })

  const record = (await idbValues<FileRow>(owner.page, 'coffer', 'files')).find(
    (f) => f.name === 'random.bin',
  )!
  const receipts = (await idbValues<ReceiptRow>(owner.page, 'coffer', 'receipts')).filter(
    (r) => r.file === record.id,
  )
  const holders = [...new Set(receipts.map((r) => r.holder))]
  const link = formatShareLink(
    `${relay.url}/`,
    { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
    { relays: relay.multiaddrs.slice(0, 1), peers: holders },
  )

  // One holder's copy of a piece is altered in its IndexedDB blockstore.
  const victim = members[0]!
  const held = [...(await blocksOf(victim.page)).keys()].filter((c) => c !== record.manifestCid)
  const keys = held.map((c) => `/${base32upper.encode(CID.parse(c).multihash.bytes)}`)
  await victim.page.evaluate(
    (ks) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('coffer-blocks')
        open.onsuccess = () => {
          const tx = open.result.transaction('coffer-blocks', 'readwrite')
          const store = tx.objectStore('coffer-blocks')
          for (const k of ks) {
            const req = store.get(k)
            req.onsuccess = () => {
              const bytes = new Uint8Array(req.result as ArrayBuffer).slice()
              bytes[0] = bytes[0]! ^ 0xff
              store.put(bytes, k)
            }
          }
          tx.oncomplete = () => resolve()
          tx.onerror = () => reject(tx.error ?? new Error('tx failed'))
        }
        open.onerror = () => reject(open.error ?? new Error('open failed'))
      }),
    keys,
  )

  await owner.close()

  const guest = await browser.newContext()
  try {
    // The streamed service-worker download (the save picker needs a person to answer it).
    await guest.addInitScript(() => {
      delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    })
    const page = await guest.newPage()
    await page.goto(link)
    await expect(page.getByTestId('share-name')).toHaveText('random.bin', { timeout: 90_000 })
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 30_000,
    })
    const started = Date.now()
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 180_000 }),
      page.getByTestId('share-download').click(),
    ])
    const path = await download.path()
    const seconds = (Date.now() - started) / 1000
    const bytes = await readFile(path)
    expect(bytes.length).toBe(data.length)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    )
    process.stdout.write(
      `20 MiB share-link download: ${seconds.toFixed(1)} s, ${(data.length / 1e6 / seconds).toFixed(2)} MB/s\n`,
    )
    await expect(page.getByTestId('download-phase')).toHaveText('Downloaded')
  } finally {
    await guest.close()
  }
})
