/**
 * Every response of the app server carries the security headers of src/core/security-headers.ts
 * (docs/DEPLOY.md), and the page the service worker serves from its cache after a reload is
 * still under the same Content-Security-Policy.
 */
import { securityHeaders } from '../../src/core/security-headers.ts'
import { expect, test, watchCspViolations } from './fixtures.ts'

const EXPECTED = securityHeaders('app')

test('every route of the app server sends the security headers', async ({ relay }) => {
  const index = await (await fetch(`${relay.url}/`)).text()
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1]
  expect(asset, 'index.html names its script').toBeDefined()
  const routes: Array<[string, number]> = [
    ['/', 200],
    ['/index.html', 200],
    [asset!, 200],
    ['/sw.js', 200],
    ['/manifest.webmanifest', 200],
    ['/config.json', 200],
    ['/health', 200],
    ['/no-such-file', 404],
  ]
  for (const [path, status] of routes) {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${relay.url}${path}`, { method })
      expect(res.status, `${method} ${path}`).toBe(status)
      for (const [name, value] of Object.entries(EXPECTED)) {
        expect(res.headers.get(name), `${method} ${path}: ${name}`).toBe(value)
      }
    }
  }
})

test('only the embeddable viewer may be framed, under the app’s policy otherwise', async ({
  relay,
}) => {
  const embed = securityHeaders('embed')
  const index = await (await fetch(`${relay.url}/`)).text()
  for (const method of ['GET', 'HEAD']) {
    const res = await fetch(`${relay.url}/embed`, { method })
    expect(res.status, `${method} /embed`).toBe(200)
    for (const [name, value] of Object.entries(embed)) {
      expect(res.headers.get(name), `${method} /embed: ${name}`).toBe(value)
    }
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/)
    expect(res.headers.get('x-frame-options')).toBeNull()
    if (method === 'GET') expect(await res.text(), 'the app’s own page').toBe(index)
  }
  // Anything near it is not the viewer: framed by no one.
  for (const path of ['/embed/', '/embed.html', '/x/embed', '/index.html']) {
    const res = await fetch(`${relay.url}${path}`)
    expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'$/)
    expect(res.headers.get('x-frame-options'), path).toBe('DENY')
  }
})

test('after a reload the service worker serves the shell under the same CSP', async ({
  relay,
  browser,
}) => {
  const context = await browser.newContext()
  try {
    const violations = await watchCspViolations(context)
    const page = await context.newPage()
    await page.goto(relay.url)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    })
    const reloaded = await page.reload()
    expect(reloaded?.fromServiceWorker(), 'the shell came from the service worker').toBe(true)
    expect(await reloaded?.headerValue('content-security-policy')).toBe(
      EXPECTED['Content-Security-Policy'],
    )
    await expect(page.getByTestId('nav-files')).toBeVisible({ timeout: 60_000 })
    expect(violations(), 'the app itself breaks no rule of its CSP').toEqual([])
    // The policy is in force in that page: an injected inline script does not run.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.__cofferInline = true'
      document.head.append(s)
      return (window as { __cofferInline?: boolean }).__cofferInline === true
    })
    expect(ran).toBe(false)
    await expect.poll(() => violations().length).toBe(1)
    expect(violations()[0]).toContain('script-src')
  } finally {
    await context.close()
  }
})
