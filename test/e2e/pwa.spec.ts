/**
 * The app as an installable, offline-capable PWA, in real Chromium against the real relay
 * serving the production build.
 */
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures.ts'

async function serviceWorkerReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
}

test('after the first visit, a reload without network shows the app shell, offline', async ({
  relay,
  openPeer,
}) => {
  const { page, context } = await openPeer({ url: relay.url })
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await serviceWorkerReady(page)

  await context.setOffline(true)
  await page.reload()

  // Without the service worker this navigation would end on the browser's error page.
  await expect(page.getByRole('banner')).toBeVisible()
  await expect(page.getByTestId('status')).toHaveText('Offline')
  await expect(page.getByTestId('problem')).toContainText('You are offline')
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  // The co-op stored on the first visit is still known offline.
  await expect(page.getByTestId('coop-name')).toHaveText('My co-op')
})

test('Chromium reports no installability errors', async ({ relay, openPeer }) => {
  // Incognito contexts are never installable ('in-incognito'): use a real profile.
  const { page, context } = await openPeer({ url: relay.url, persistent: true })
  await serviceWorkerReady(page)
  const cdp = await context.newCDPSession(page)
  const manifest = (await cdp.send('Page.getAppManifest')) as {
    url: string
    errors: { message: string }[]
  }
  expect(manifest.url).toMatch(/manifest\.webmanifest$/)
  expect(manifest.errors).toEqual([])
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
  expect(installabilityErrors).toEqual([])
})

test('the manifest names the app, its icons (maskable too) and how it opens', async ({
  relay,
  openPeer,
}) => {
  const { page } = await openPeer({ url: relay.url })
  const href = await page.locator('link[rel="manifest"]').getAttribute('href')
  expect(href).not.toBeNull()
  const manifest = (await page.evaluate(async (url) => {
    const res = await fetch(url)
    return (await res.json()) as Record<string, unknown>
  }, href ?? '')) as {
    name: string
    short_name: string
    id: string
    start_url: string
    scope: string
    display: string
    theme_color: string
    background_color: string
    icons: { src: string; sizes: string; purpose?: string }[]
  }
  expect(manifest).toMatchObject({
    short_name: 'Coffer',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
  })
  expect(manifest.name).toContain('Coffer')
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
  expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i)
  const sizes = (purpose: string): string[] =>
    manifest.icons.filter((i) => (i.purpose ?? 'any') === purpose).map((i) => i.sizes)
  expect(sizes('any')).toEqual(expect.arrayContaining(['192x192', '512x512']))
  expect(sizes('maskable')).toContain('512x512')
  // Every icon is a real PNG of the size it claims.
  for (const icon of manifest.icons) {
    const dims = await page.evaluate(async (src) => {
      const img = new Image()
      img.src = src
      await img.decode()
      return `${img.naturalWidth}x${img.naturalHeight}`
    }, icon.src)
    expect(dims).toBe(icon.sizes)
  }
})

test('config.json always comes from the network, never from the service worker cache', async ({
  relay,
  openPeer,
}) => {
  const { page, context } = await openPeer({ url: relay.url })
  await serviceWorkerReady(page)
  await page.reload()
  const cached = await page.evaluate(async () => {
    const names = await caches.keys()
    const urls: string[] = []
    for (const name of names) {
      const cache = await caches.open(name)
      urls.push(...(await cache.keys()).map((r) => new URL(r.url).pathname))
    }
    return urls
  })
  expect(cached).toContain('/index.html')
  expect(cached).not.toContain('/config.json')
  await context.setOffline(true)
  const offlineFetch = await page.evaluate(async () => {
    try {
      await fetch('/config.json', { cache: 'no-store' })
      return 'answered'
    } catch {
      return 'failed'
    }
  })
  expect(offlineFetch).toBe('failed')
})
