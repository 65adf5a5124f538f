/**
 * The Share dialog's link and QR code (docs/FORMAT.md §9.3): the link is a short version 2
 * link that names no relay (the app's own origin serves the relay's config.json), its QR code
 * as drawn on screen decodes back to exactly the link, and the link opens the file in a fresh
 * browser with the owner closed. An old version 1 link to the same file still opens.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Browser } from '@playwright/test'
import jsQR from 'jsqr'
import { create } from 'qrcode'
import { CID } from 'multiformats/cid'
import { formatShareLinkV1, parseShareLink } from '../../src/core/index.ts'
import { QR_MODULE_PX, QR_OPTIONS } from '../../src/state/share.svelte.ts'
import { expect, openCoop, test } from './fixtures.ts'
import {
  downloadBytes,
  fileRow,
  guestPage,
  storedFile,
  uploadThroughUi,
} from './transfer-helpers.ts'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/**
 * Decodes a PNG screenshot with jsQR: the pixels come from a canvas in a blank page of its own
 * (the app's CSP is not in the way, and nothing is fetched).
 */
async function decodeQr(browser: Browser, png: Buffer, scale = 1): Promise<string | undefined> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const { width, height, pixels } = await page.evaluate(
      async ([dataUrl, s]) => {
        const img = new Image()
        img.src = dataUrl
        await img.decode()
        const canvas = document.createElement('canvas')
        canvas.width = Math.round(img.naturalWidth * s)
        canvas.height = Math.round(img.naturalHeight * s)
        const ctx = canvas.getContext('2d')!
        ctx.imageSmoothingQuality = 'high'
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height)
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
        return { width: canvas.width, height: canvas.height, pixels: Array.from(data) }
      },
      [`data:image/png;base64,${png.toString('base64')}`, scale] as const,
    )
    return jsQR(Uint8ClampedArray.from(pixels), width, height)?.data
  } finally {
    await context.close()
  }
}

test('the share dialog shows a short link whose QR code decodes to it; the link opens the file with the owner gone, and so does an old link', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(360_000)
  const { owner } = await openCoop(openPeer, { members: 2 })
  const name = 'qr.bin'
  const data = randomBytes(300 * 1024)
  await uploadThroughUi(owner.page, name, data)
  await fileRow(owner.page, name).getByTestId('share').click()
  const dialog = owner.page.getByTestId('share-dialog')
  const link = await dialog.getByTestId('share-link').inputValue()

  const parsed = parseShareLink(link)
  const base = `${relay.url}/`
  expect(parsed).toMatchObject({ version: 2, base, relays: [] })
  // No keeper here: the holders the link names must hold k shards of the one stripe; two
  // members hold four shards each, so one or both are named, 34 bytes each (§9.1).
  expect(parsed.peers.length).toBeGreaterThanOrEqual(1)
  expect(parsed.peers.length).toBeLessThanOrEqual(2)
  const payloadBytes = 65 + 34 * parsed.peers.length
  expect(link.length).toBe(base.length + '#/s/'.length + Math.ceil((payloadBytes * 4) / 3))
  process.stdout.write(`share link: ${link.length} characters, ${parsed.peers.length} holder(s)\n`)

  // The QR code as drawn on screen, with at least QR_MODULE_PX pixels per module.
  const qr = dialog.getByTestId('share-qr').locator('svg')
  await expect(qr).toBeVisible()
  const modules = create(link, QR_OPTIONS).modules.size + 2 * QR_OPTIONS.margin
  const box = await qr.boundingBox()
  expect(box!.width / modules).toBeGreaterThanOrEqual(QR_MODULE_PX)
  const png = await qr.screenshot()
  expect(await decodeQr(browser, png)).toBe(link)
  // A camera at arm's length sees fewer pixels than the screen draws: at half the resolution
  // (two pixels a module, smoothed) the code still decodes.
  expect(await decodeQr(browser, png, 0.5)).toBe(link)

  const { record, receipts } = await storedFile(owner.page, name)
  const old = formatShareLinkV1(
    base,
    { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
    { relays: relay.multiaddrs.slice(0, 1), peers: [...new Set(receipts.map((r) => r.holder))] },
  )
  await owner.close()

  const guest = await guestPage(browser, link)
  try {
    await expect(guest.page.getByTestId('share-name')).toHaveText(name, { timeout: 90_000 })
    const bytes = await downloadBytes(guest.page, 120_000)
    expect(sha256(bytes)).toBe(sha256(data))
  } finally {
    await guest.close()
  }
  const oldGuest = await guestPage(browser, old)
  try {
    await expect(oldGuest.page.getByTestId('share-name')).toHaveText(name, { timeout: 90_000 })
  } finally {
    await oldGuest.close()
  }
})
