/**
 * The embeddable viewer (issue 15 item 5): the snippet copied from the Share dialog, pasted
 * into a page of another site, shows and plays the file with its owner's tab closed; neither
 * side can reach into the other (the embedding page runs a canary, the embed tries to touch
 * the embedding page), and hostile files opened through /embed run nothing anywhere.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import type { BrowserContext, Frame, Page } from '@playwright/test'
import { securityHeaders } from '../../src/core/security-headers.ts'
import { expect, openCoop, test, watchCspViolations } from './fixtures.ts'
import { fileRow, openFiles } from './transfer-helpers.ts'

const CANARY_LOG = 'COFFER-CANARY'
const CANARY = `console.log('${CANARY_LOG} ' + self.origin);try{localStorage.setItem('coffer-canary', location.href)}catch(e){};try{top.document.title='PWNED'}catch(e){}`
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${CANARY}"><script>${CANARY}</script><rect width="10" height="10" fill="red"/></svg>`
const HTML = `<!doctype html><html><body><h1>hello</h1><script>${CANARY}</script><img src="x" onerror="${CANARY}"></body></html>`
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)
/** The embedding site's own secret, which nothing in the embed may read. */
const SECRET = 'embedder-secret-4711'

/** A page of another site: the snippet, and a script that tries to read into the frame. */
function embeddingPage(snippet: string): string {
  return `<!doctype html><html><head><title>A blog</title></head><body>
<h1>A blog post</h1><p id="secret">${SECRET}</p>
${snippet}
<script>
  window.secret = '${SECRET}'
  window.canary = []
  const frame = document.querySelector('iframe')
  frame.addEventListener('load', () => {
    const tries = {
      document: () => frame.contentWindow.document.body.innerHTML,
      href: () => frame.contentWindow.location.href,
      hash: () => frame.contentWindow.location.hash,
      state: () => String(frame.contentWindow.cofferShare),
      storage: () => frame.contentWindow.localStorage.length,
    }
    for (const [name, f] of Object.entries(tries)) {
      try { window.canary.push(name + ' read ' + f()) } catch (e) { window.canary.push(name + ' ' + e.name) }
    }
  })
</script></body></html>`
}

/** Serves `pages` (path → HTML) on 127.0.0.1, reached as `localhost`: another site. */
async function startEmbedder(pages: Map<string, string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const body = pages.get(req.url ?? '')
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(body ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, server }
}

/** The snippet of one file, as the owner's Share dialog shows it (the first one copied). */
async function snippetOf(page: Page, name: string, viaClipboard: boolean): Promise<string> {
  await fileRow(page, name).getByTestId('share').click()
  const dialog = page.getByTestId('share-dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByText('Embed in a web page').click()
  const shown = await dialog.getByTestId('share-snippet').inputValue()
  if (viaClipboard) {
    await dialog.getByTestId('copy-share-snippet').click()
    await expect(dialog.getByText('Copied. Paste it')).toBeVisible()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown)
  }
  await dialog.getByTestId('close-share').click()
  await expect(dialog).toBeHidden()
  return shown
}

function watchCanary(context: BrowserContext): string[] {
  const seen: string[] = []
  context.on('console', (m) => {
    if (m.text().includes(CANARY_LOG)) seen.push(`${m.page()?.url() ?? '?'}: ${m.text()}`)
  })
  return seen
}

/** Opens the page embedding `file` and returns the embed's frame once the file is open. */
async function openEmbed(page: Page, url: string, name: string): Promise<Frame> {
  await page.goto(url)
  const frame = page.frames().find((f) => f !== page.mainFrame())!
  expect(frame, 'the page has the embed frame').toBeDefined()
  await expect(frame.getByTestId('share-name')).toHaveText(name, { timeout: 120_000 })
  return frame
}

/** What the embedding page's canary saw: every read into the frame refused. */
async function expectFrameSealed(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => (window as { canary?: string[] }).canary?.length ?? 0))
    .toBe(5)
  const seen = await page.evaluate(() => (window as unknown as { canary: string[] }).canary)
  expect(seen.sort()).toEqual([
    'document SecurityError',
    'hash SecurityError',
    'href SecurityError',
    'state SecurityError',
    'storage SecurityError',
  ])
}

/** The embed's own script tries to reach the embedding page: all refused. */
async function expectParentSealed(page: Page, frame: Frame): Promise<void> {
  const tries = await frame.evaluate(() => {
    const out: Record<string, string> = {}
    const attempt = (name: string, f: () => unknown) => {
      try {
        out[name] = `read ${String(f())}`
      } catch (e) {
        out[name] = (e as Error).name
      }
    }
    attempt('document', () => parent.document.getElementById('secret')?.textContent)
    attempt('secret', () => (parent as unknown as { secret: string }).secret)
    attempt('href', () => parent.location.href)
    attempt('title', () => (top!.document.title = 'PWNED'))
    attempt('popup', () => window.open('about:blank'))
    attempt('navigate', () => (top!.location.href = 'about:blank#pwned'))
    return out
  })
  expect(tries.document).toBe('SecurityError')
  expect(tries.secret).toBe('SecurityError')
  expect(tries.href).toBe('SecurityError')
  expect(tries.title).toBe('SecurityError')
  // No allow-popups, no allow-top-navigation: nothing opens, the embedding page stays.
  expect(tries.popup).toBe('read null')
  expect(page.url()).not.toContain('pwned')
  expect(await page.title()).toBe('A blog')
  await expect(page.locator('#secret')).toHaveText(SECRET)
}

test('the embed snippet shows and plays a shared file in another site, sealed both ways', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(600_000)
  const { owner } = await openCoop(openPeer, { members: 2 })
  await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: relay.url,
  })
  await openFiles(owner.page)
  const video = Buffer.from(
    await owner.page.evaluate(async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 320
      canvas.height = 180
      const g = canvas.getContext('2d')!
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' })
      const parts: Blob[] = []
      recorder.ondataavailable = (e) => parts.push(e.data)
      const stopped = new Promise((resolve) => (recorder.onstop = resolve))
      recorder.start()
      for (let i = 0; i < 40; i++) {
        g.fillStyle = `hsl(${i * 9} 80% 50%)`
        g.fillRect(0, 0, canvas.width, canvas.height)
        await new Promise((r) => setTimeout(r, 40))
      }
      recorder.stop()
      await stopped
      return [...new Uint8Array(await new Blob(parts).arrayBuffer())]
    }),
  )
  const files = [
    { name: 'photo.png', type: 'image/png', data: PNG },
    { name: 'clip.webm', type: 'video/webm', data: video },
    { name: 'drawing.svg', type: 'image/svg+xml', data: Buffer.from(SVG) },
    { name: 'page.html', type: 'text/html', data: Buffer.from(HTML) },
  ]
  // Through the app's own upload entry point, so the types are exactly these.
  await owner.page.evaluate(
    (list) => {
      interface FilesUpload {
        upload(
          sources: Array<{ name: string; type: string; size: number; stream(): ReadableStream }>,
        ): unknown
      }
      const app = (window as unknown as { coffer: { state: { files: FilesUpload } } }).coffer
      app.state.files.upload(
        list.map((f) => {
          const blob = new Blob([Uint8Array.from(atob(f.b64), (ch) => ch.charCodeAt(0))])
          return { name: f.name, type: f.type, size: blob.size, stream: () => blob.stream() }
        }),
      )
    },
    files.map((f) => ({ name: f.name, type: f.type, b64: f.data.toString('base64') })),
  )
  await expect(owner.page.locator('[data-testid="file-row"][data-state="complete"]')).toHaveCount(
    files.length,
    { timeout: 240_000 },
  )
  const pages = new Map<string, string>()
  for (const [i, f] of files.entries()) {
    const snippet = await snippetOf(owner.page, f.name, i === 0)
    expect(snippet).toContain(`src="${relay.url}/embed#/s/`)
    expect(snippet).toContain('sandbox="allow-scripts allow-same-origin allow-downloads"')
    pages.set(`/${f.name}.html`, embeddingPage(snippet))
  }
  // The owner's tab is gone: the co-op's other members serve the file.
  await owner.close()

  const embedder = await startEmbedder(pages)
  const guest = await browser.newContext()
  try {
    const canary = watchCanary(guest)
    const csp = await watchCspViolations(guest)
    const embedResponses: Array<{ fromSw: boolean; csp: string | undefined; xfo?: string }> = []
    guest.on('response', (r) => {
      if (new URL(r.url()).pathname === '/embed') {
        const h = r.headers()
        embedResponses.push({
          fromSw: r.fromServiceWorker(),
          csp: h['content-security-policy'],
          xfo: h['x-frame-options'],
        })
      }
    })
    const page = await guest.newPage()

    // A picture: previewed, downloaded, and the two documents sealed from each other.
    let frame = await openEmbed(page, `${embedder.url}/photo.png.html`, 'photo.png')
    const img = frame.getByTestId('preview-image')
    await expect(img).toBeVisible({ timeout: 60_000 })
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)
    await expect(frame.getByTestId('share-size')).toHaveText(`${PNG.length} B`)
    const [saved] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      frame.getByTestId('share-download').click(),
    ])
    expect(await readFile(await saved.path())).toEqual(PNG)
    await expectFrameSealed(page)
    await expectParentSealed(page, frame)
    expect(embedResponses[0]).toEqual({
      fromSw: false,
      csp: securityHeaders('embed')['Content-Security-Policy'],
      xfo: undefined,
    })

    // A video: it plays; once the frame's own (partitioned) service worker is in control, the
    // embed itself comes from the worker under the embed headers and the player streams.
    frame = await openEmbed(page, `${embedder.url}/clip.webm.html`, 'clip.webm')
    await frame.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    })
    const opened = Date.now()
    await page.reload()
    frame = page.frames().find((f) => f !== page.mainFrame())!
    const player = frame.getByTestId('preview-video')
    await expect(player).toBeVisible({ timeout: 120_000 })
    await expect(frame.getByRole('region', { name: 'Preview' })).toHaveAttribute(
      'data-streamed',
      'true',
    )
    expect(new URL((await player.getAttribute('src'))!).pathname).toMatch(
      /^\/__coffer\/view\/[0-9a-f-]{36}$/,
    )
    await player.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<void>((resolve, reject) => {
          if (v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) resolve()
          v.addEventListener('loadeddata', () => resolve(), { once: true })
          v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}`)))
        }),
    )
    process.stdout.write(`embedded video: first frame ${Date.now() - opened} ms after reload\n`)
    const fromWorker = embedResponses.filter((r) => r.fromSw)
    expect(fromWorker.length, 'the worker served the embed').toBeGreaterThan(0)
    for (const r of fromWorker) {
      expect(r.csp).toBe(securityHeaders('embed')['Content-Security-Policy'])
      expect(r.xfo).toBeUndefined()
    }
    // Keyboard: Tab reaches the player's controls and the Download button.
    await frame.getByTestId('share-download').focus()
    await expect(frame.getByTestId('share-download')).toBeFocused()

    // Hostile files: download only, nothing runs; the download itself works from the frame.
    frame = await openEmbed(page, `${embedder.url}/drawing.svg.html`, 'drawing.svg')
    await expect(frame.getByTestId('no-preview')).toBeVisible()
    await expect(frame.getByTestId('preview')).toHaveCount(0)
    frame = await openEmbed(page, `${embedder.url}/page.html.html`, 'page.html')
    await expect(frame.getByTestId('no-preview')).toBeVisible()
    const [html] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }),
      frame.getByTestId('share-download').click(),
    ])
    expect(await readFile(await html.path())).toEqual(Buffer.from(HTML))
    expect(await frame.evaluate(() => localStorage.getItem('coffer-canary'))).toBeNull()
    expect(await page.title()).toBe('A blog')
    expect(canary, 'no hostile script ran').toEqual([])
    expect(csp(), 'no CSP violation in the embed').toEqual([])
  } finally {
    await guest.close()
    embedder.server.close()
  }
})

test('/embed is framed by any site, and never starts the member app', async ({
  relay,
  browser,
}) => {
  const embedder = await startEmbedder(
    new Map([
      ['/app.html', `<!doctype html><iframe src="${relay.url}/"></iframe>`],
      ['/embed.html', `<!doctype html><iframe src="${relay.url}/embed#/peers"></iframe>`],
    ]),
  )
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    // The app itself refuses to be framed (frame-ancestors 'none').
    await page.goto(`${embedder.url}/app.html`)
    const app = page.frames().find((f) => f !== page.mainFrame())!
    await expect.poll(() => app.url()).toMatch(/^chrome-error:/)
    // /embed with anything but a share link shows a problem, never the app or its co-op.
    await page.goto(`${embedder.url}/embed.html`)
    const embed = page.frames().find((f) => f !== page.mainFrame())!
    await expect(embed.getByTestId('link-error')).toBeVisible({ timeout: 60_000 })
    await expect(embed.getByTestId('nav-files')).toHaveCount(0)
    expect(await embed.evaluate(() => 'coffer' in window)).toBe(false)
  } finally {
    await context.close()
    embedder.server.close()
  }
})
