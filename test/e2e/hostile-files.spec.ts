/**
 * Hostile files (issue 15): active content, polyglots, MIME-type tricks and names made to
 * deceive, uploaded for real and opened by share link in a fresh browser and in the owner's own
 * browser (where every key lives), previewed and opened in a new tab. Every script in them is a
 * canary: run anywhere, it logs; run in the app's origin, it also leaves a localStorage mark.
 * Neither may ever appear, and each file shows the expected preview or only a Download button.
 */
import { readFile } from 'node:fs/promises'
import type { BrowserContext, Page } from '@playwright/test'
import { CID } from 'multiformats/cid'
import { formatShareLink } from '../../src/core/index.ts'
import { expect, openCoop, test, watchCspViolations } from './fixtures.ts'
import { openFiles, storedFile } from './transfer-helpers.ts'

const CANARY_LOG = 'COFFER-CANARY'
const CANARY_KEY = 'coffer-canary'
/** What every hostile script does: log, mark the origin's storage, reach for the top window. */
const CANARY = `console.log('${CANARY_LOG} ' + self.origin);try{localStorage.setItem('${CANARY_KEY}', location.href)}catch(e){};try{top.document.title='PWNED'}catch(e){};fetch('/canary').catch(function(){})`

const HTML = `<!doctype html><html><body><h1>hello</h1><script>${CANARY}</script><img src="x" onerror="${CANARY}"></body></html>`
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${CANARY}"><script>${CANARY}</script><rect width="10" height="10" fill="red"/></svg>`
const PDF = `%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert('${CANARY_LOG}'))>>>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>endobj
trailer<</Root 1 0 R>>
%%EOF
`
/** A valid 1×1 GIF, then an HTML document: an image to an image decoder, a page to a sniffer. */
const GIF_HTML = Buffer.concat([
  Buffer.from(
    '47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b',
    'hex',
  ),
  Buffer.from(HTML),
])
const PNG_HTML = Buffer.concat([
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
  Buffer.from(HTML),
])

type Expect = 'download' | 'image' | 'text'
interface Case {
  name: string
  type: string
  data: Buffer
  expect: Expect
}

const CASES: Case[] = [
  { name: 'page.html', type: 'text/html', data: Buffer.from(HTML), expect: 'download' },
  { name: 'upper.html', type: 'TEXT/HTML', data: Buffer.from(HTML), expect: 'download' },
  { name: 'spaced.html', type: ' text/html ', data: Buffer.from(HTML), expect: 'download' },
  { name: 'drawing.svg', type: 'image/svg+xml', data: Buffer.from(SVG), expect: 'download' },
  {
    name: 'charset.svg',
    type: 'image/svg+xml; charset=x',
    data: Buffer.from(SVG),
    expect: 'download',
  },
  { name: 'script.pdf', type: 'application/pdf', data: Buffer.from(PDF), expect: 'download' },
  {
    name: 'report.pdf',
    type: 'application/pdf;a=b,text/html',
    data: Buffer.from(HTML),
    expect: 'download',
  },
  { name: 'comma.png', type: 'image/png,text/html', data: PNG_HTML, expect: 'download' },
  { name: 'several.png', type: 'image/png, text/plain', data: PNG_HTML, expect: 'download' },
  { name: 'data.xml', type: 'application/xml', data: Buffer.from(SVG), expect: 'download' },
  { name: 'polyglot.gif', type: 'image/gif', data: GIF_HTML, expect: 'image' },
  { name: 'source.txt', type: 'text/plain', data: Buffer.from(HTML), expect: 'text' },
  {
    name: `<img src=x onerror="${CANARY}">.txt`,
    type: 'text/plain; charset=utf-8',
    data: Buffer.from('a name with HTML in it'),
    expect: 'text',
  },
  {
    name: '../../../etc/passwd',
    type: 'text/plain',
    data: Buffer.from('root:x:0:0'),
    expect: 'text',
  },
  {
    name: 'invoice\u202Egpj.exe',
    type: 'application/x-msdownload',
    data: Buffer.from('MZ not really a program'),
    expect: 'download',
  },
]

/** Collects canary messages from every page and frame of a context. */
function watchCanary(context: BrowserContext): string[] {
  const seen: string[] = []
  context.on('console', (m) => {
    if (m.text().includes(CANARY_LOG)) seen.push(`${m.page()?.url() ?? '?'}: ${m.text()}`)
  })
  return seen
}

async function expectNoMark(page: Page): Promise<void> {
  expect(await page.evaluate((k) => localStorage.getItem(k), CANARY_KEY)).toBeNull()
  expect(await page.title()).not.toBe('PWNED')
}

/** Opens one case's share link in `context`, checks what it shows and its new-tab view. */
async function visit(context: BrowserContext, link: string, c: Case, origin: string) {
  const page = await context.newPage()
  try {
    await page.goto(link)
    await expect(page.getByTestId('share-name')).toHaveText(c.name, { timeout: 90_000 })
    await expect(page.getByTestId('share-download')).toBeEnabled()
    if (c.expect === 'download') {
      await expect(page.getByTestId('no-preview'), c.name).toBeVisible()
      await expect(page.getByTestId('preview')).toHaveCount(0)
      await expect(page.getByTestId('share-open-tab')).toHaveCount(0)
    } else if (c.expect === 'text') {
      await expect(page.getByTestId('preview-text'), c.name).toHaveText(c.data.toString())
      await expect(page.getByTestId('share-open-tab')).toHaveCount(0)
    } else {
      const img = page.getByTestId('preview-image')
      await expect(img, c.name).toBeVisible({ timeout: 60_000 })
      await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)
      // The element's URL is the isolated view, so the browser's own "Open image in new tab"
      // lands there too, never on a same-origin blob: document.
      const src = (await img.getAttribute('src')) ?? ''
      expect(src.startsWith(`${origin}/__coffer/view/`), src).toBe(true)
      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        page.getByTestId('share-open-tab').click(),
      ])
      await popup.waitForLoadState('load')
      expect(popup.url()).toBe(src)
      await popup.close()
      const tab = await context.newPage()
      const response = await tab.goto(src)
      expect(response?.status()).toBe(200)
      expect(response?.fromServiceWorker()).toBe(true)
      expect(await response?.headerValue('content-security-policy')).toMatch(/^sandbox;/)
      expect(await response?.headerValue('x-content-type-options')).toBe('nosniff')
      expect(await response?.headerValue('content-type')).toBe(c.type)
      await expect(tab.locator('img')).toBeVisible()
      await tab.close()
    }
    await expectNoMark(page)
  } finally {
    await page.close()
  }
}

/**
 * The same link through the embeddable viewer (`/embed`, the page other sites frame; framed
 * for real in embed.spec.ts): the same preview or Download only, and never a new tab.
 */
async function visitEmbed(context: BrowserContext, link: string, c: Case, origin: string) {
  const page = await context.newPage()
  try {
    await page.goto(link.replace('/#/s/', '/embed#/s/'))
    await expect(page.getByTestId('embed-page')).toBeVisible()
    await expect(page.getByTestId('share-name')).toHaveText(c.name, { timeout: 90_000 })
    await expect(page.getByTestId('share-download')).toBeEnabled()
    if (c.expect === 'download') {
      await expect(page.getByTestId('no-preview'), c.name).toBeVisible()
      await expect(page.getByTestId('preview')).toHaveCount(0)
    } else if (c.expect === 'text') {
      await expect(page.getByTestId('preview-text'), c.name).toHaveText(c.data.toString())
    } else {
      const img = page.getByTestId('preview-image')
      await expect(img, c.name).toBeVisible({ timeout: 60_000 })
      await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)
      expect((await img.getAttribute('src'))?.startsWith(`${origin}/__coffer/view/`)).toBe(true)
    }
    await expect(page.getByTestId('share-open-tab')).toHaveCount(0)
    await expectNoMark(page)
  } finally {
    await page.close()
  }
}

test('hostile files never run in the app origin: share link, embed, Files view, new tab', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(900_000)
  // The canary can be seen: its script, run on purpose in a throwaway context, is caught.
  const control = await browser.newContext()
  const controlCanary = watchCanary(control)
  const controlPage = await control.newPage()
  await controlPage.goto(`${relay.url}/health`)
  await controlPage.evaluate(CANARY)
  await expect.poll(() => controlCanary.length).toBe(1)
  await expect
    .poll(() => controlPage.evaluate((k) => localStorage.getItem(k), CANARY_KEY))
    .not.toBeNull()
  await control.close()

  const { owner } = await openCoop(openPeer, { members: 1 })
  const ownerCanary = watchCanary(owner.context)
  await openFiles(owner.page)
  // The uploader is the attacker: its client sends any name and type string it likes (a
  // browser's file picker would lower-case 'TEXT/HTML'), so the files go in through the app's
  // own upload entry point with exactly these.
  await owner.page.evaluate(
    (files) => {
      const app = (window as unknown as { coffer: { state: { files: FilesUpload } } }).coffer
      interface FilesUpload {
        upload(
          sources: Array<{ name: string; type: string; size: number; stream(): ReadableStream }>,
        ): unknown
      }
      app.state.files.upload(
        files.map((f) => {
          const blob = new Blob([Uint8Array.from(atob(f.b64), (ch) => ch.charCodeAt(0))])
          return { name: f.name, type: f.type, size: blob.size, stream: () => blob.stream() }
        }),
      )
    },
    CASES.map((c) => ({ name: c.name, type: c.type, b64: c.data.toString('base64') })),
  )
  await expect(owner.page.locator('[data-testid="file-row"][data-state="complete"]')).toHaveCount(
    CASES.length,
    { timeout: 240_000 },
  )

  // The owner's Files view shows every name as text, exactly as uploaded.
  const shown = await owner.page.getByTestId('file-name').allTextContents()
  expect(shown.sort()).toEqual(CASES.map((c) => c.name).sort())

  const links = new Map<string, string>()
  for (const c of CASES) {
    const { record, receipts } = await storedFile(owner.page, c.name)
    expect(record).toMatchObject({ name: c.name })
    links.set(
      c.name,
      formatShareLink(
        `${relay.url}/`,
        { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
        {
          relays: relay.multiaddrs.slice(0, 1),
          peers: [...new Set(receipts.map((r) => r.holder))],
        },
      ),
    )
  }

  // The owner's Download of the HTML file saves its bytes; nothing renders. (The save picker
  // needs a person to answer it; the download manager does not.)
  await owner.page.evaluate(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
  })
  const htmlRow = owner.page.locator('[data-testid="file-row"][data-file-name="page.html"]')
  const [saved] = await Promise.all([
    owner.page.waitForEvent('download', { timeout: 120_000 }),
    htmlRow.getByTestId('download').click(),
  ])
  expect(await readFile(await saved.path())).toEqual(CASES[0]!.data)

  // A fresh browser with a share link: no co-op, no keys of its own, the worker in control.
  const guest = await browser.newContext()
  try {
    await guest.addInitScript(() => {
      delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    })
    // What the service worker answers for a download: the shared file's bytes, sandboxed.
    const downloadHeaders: Array<Record<string, string>> = []
    guest.on('response', (r) => {
      if (r.url().includes('/__coffer/download/')) downloadHeaders.push(r.headers())
    })
    const guestCanary = watchCanary(guest)
    const guestCsp = await watchCspViolations(guest)
    const warm = await guest.newPage()
    await warm.goto(links.get(CASES[0]!.name)!)
    await warm.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    })
    await expect(warm.getByTestId('share-name')).toHaveText(CASES[0]!.name, { timeout: 90_000 })
    // Downloading an active file from the share page hands it to the download manager.
    const [download] = await Promise.all([
      warm.waitForEvent('download', { timeout: 120_000 }),
      warm.getByTestId('share-download').click(),
    ])
    expect(await readFile(await download.path())).toEqual(CASES[0]!.data)
    expect(downloadHeaders.length).toBeGreaterThan(0)
    for (const h of downloadHeaders) {
      expect(h['content-type']).toBe('application/octet-stream')
      expect(h['content-disposition']).toMatch(/^attachment;/)
      expect(h['content-security-policy']).toMatch(/^sandbox;/)
      expect(h['x-content-type-options']).toBe('nosniff')
    }
    for (const c of CASES) await visit(guest, links.get(c.name)!, c, relay.url)
    for (const c of CASES) await visitEmbed(guest, links.get(c.name)!, c, relay.url)
    await expectNoMark(warm)
    expect(guestCanary, 'no hostile script ran in the guest').toEqual([])
    expect(guestCsp(), 'nothing hostile even tried to run in the app origin').toEqual([])
  } finally {
    await guest.close()
  }

  // The same links in the owner's own browser, where its keys are.
  for (const c of CASES) await visit(owner.context, links.get(c.name)!, c, relay.url)
  await owner.page.bringToFront()
  await expectNoMark(owner.page)
  expect(ownerCanary, 'no hostile script ran in the owner’s browser').toEqual([])
})
