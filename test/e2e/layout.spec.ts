/**
 * Every view at a desktop (1280×800) and a phone (390×844) size: nothing sticks out sideways,
 * no two controls overlap, no serious or critical accessibility violation (axe-core), and a
 * screenshot of each is saved with the test output (test-results/…/<view>-<size>.png).
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page, TestInfo } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { formatShareLink } from '../../src/core/index.ts'
import { expect, openCoop, test } from './fixtures.ts'
import { fileRow, openFiles, storedFile, uploadThroughUi } from './transfer-helpers.ts'

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

interface Box {
  what: string
  x: number
  y: number
  width: number
  height: number
}

/** Visible controls whose boxes intersect (more than a pixel each way, focus rings aside). */
async function overlappingControls(page: Page): Promise<string[]> {
  const boxes = await page.evaluate(() => {
    const out: Box[] = []
    // Behind an open modal dialog the page is inert: only the dialog's controls count.
    const scope = document.querySelector('dialog:modal') ?? document
    for (const el of scope.querySelectorAll<HTMLElement>(
      'button, a[href], input:not([type="file"]), select, textarea, [role="button"]',
    )) {
      const r = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue
      if (el.closest('.visually-hidden') !== null || el.classList.contains('visually-hidden'))
        continue
      const label = (el.getAttribute('aria-label') ?? el.textContent ?? el.tagName).trim()
      out.push({ what: label.slice(0, 40), x: r.x, y: r.y, width: r.width, height: r.height })
    }
    return out
  })
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!
      const b = boxes[j]!
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      if (w > 1 && h > 1) found.push(`“${a.what}” overlaps “${b.what}”`)
    }
  }
  return found
}

/** Controls whose text wraps onto a second line (a "Delete" broken in two on a phone). */
async function wrappedButtons(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    for (const el of document.querySelectorAll<HTMLElement>('button')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0) continue
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20
      const text = el.textContent?.trim() ?? ''
      // One short word or two must fit on one line.
      if (text.split(/\s+/).length <= 2 && el.scrollHeight > lineHeight * 1.9 + 16) out.push(text)
    }
    return out
  })
}

/**
 * Left edges of the header's title row, the navigation's first label and the view's first
 * heading: one column on every screen, so panels and lists line up with the header.
 */
async function leftEdges(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const edges: Record<string, number> = {}
    const bar = document.querySelector('header .bar')
    if (bar) edges.header = bar.getBoundingClientRect().left
    const link = document.querySelector('nav a')
    if (link?.firstChild) {
      const range = document.createRange()
      range.selectNodeContents(link)
      edges.nav = range.getBoundingClientRect().left
    }
    const heading = document.querySelector('main h2, main h1')
    if (heading) edges.main = heading.getBoundingClientRect().left
    return edges
  })
}

/** Rows of controls that must stay on one line (a file's actions): the labels that do not. */
async function brokenRows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    for (const row of document.querySelectorAll<HTMLElement>('[data-one-line]')) {
      const tops = [...row.querySelectorAll<HTMLElement>('button')].map(
        (b) => b.getBoundingClientRect().top,
      )
      if (tops.length > 0 && Math.max(...tops) - Math.min(...tops) > 2) {
        out.push(row.textContent?.replace(/\s+/g, ' ').trim() ?? '')
      }
    }
    return out
  })
}

async function checkView(page: Page, view: string, size: string, info: TestInfo): Promise<void> {
  await page.waitForTimeout(300) // let transitions and late layout settle before measuring
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  expect(overflow, `${view} at ${size}: horizontal overflow in px`).toBeLessThanOrEqual(0)
  expect(await overlappingControls(page), `${view} at ${size}: overlapping controls`).toEqual([])
  expect(await wrappedButtons(page), `${view} at ${size}: buttons broken over lines`).toEqual([])
  expect(await brokenRows(page), `${view} at ${size}: rows of actions on two lines`).toEqual([])
  const edges = await leftEdges(page)
  const xs = Object.values(edges)
  expect(
    Math.max(...xs) - Math.min(...xs),
    `${view} at ${size}: header, navigation and content line up (${JSON.stringify(edges)})`,
  ).toBeLessThanOrEqual(2)
  const axe = await new AxeBuilder({ page }).analyze()
  const bad = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  expect(bad, `${view} at ${size}: serious or critical accessibility violations`).toEqual([])
  await page.screenshot({ path: info.outputPath(`${view}-${size}.png`), fullPage: true })
}

for (const size of SIZES) {
  test(`every view holds its layout at ${size.width}×${size.height} (${size.name})`, async ({
    openPeer,
    relay,
    browser,
  }, info) => {
    test.setTimeout(240_000)
    const { owner } = await openCoop(openPeer, { members: 2 })
    const page = owner.page
    await page.setViewportSize({ width: size.width, height: size.height })
    const name = 'Holiday photos from the long weekend at the lake, 2026 (final).zip'
    await uploadThroughUi(page, name, randomBytes(256 * 1024))
    await openFiles(page)
    await expect(fileRow(page, name)).toBeVisible()
    // The kind in plain words, from the name when the type says nothing (octet-stream).
    await expect(fileRow(page, name).getByTestId('file-kind')).toHaveText('Zip archive')
    await checkView(page, 'files', size.name, info)

    await page.getByTestId('nav-peers').click()
    await expect(page.getByRole('heading', { name: /Peers/ })).toBeVisible()
    await checkView(page, 'peers', size.name, info)

    await page.getByRole('button', { name: 'Invite someone' }).click()
    await expect(page.getByRole('textbox', { name: 'Invite link' })).toBeVisible()
    await checkView(page, 'invite', size.name, info)
    await page.getByRole('button', { name: 'Close' }).click()

    await page.getByRole('link', { name: 'This device' }).click()
    await expect(page.getByTestId('pledge-pledged')).toBeVisible()
    await checkView(page, 'device', size.name, info)

    await openFiles(page)
    await fileRow(page, name).getByTestId('share').click()
    await page.getByText('Embed in a web page').click()
    await expect(page.getByTestId('share-snippet')).toBeVisible()
    await checkView(page, 'share-dialog', size.name, info)
    await page.getByTestId('close-share').click()

    const { record, receipts } = await storedFile(page, name)
    const link = formatShareLink(
      `${relay.url}/`,
      { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
      { relays: relay.multiaddrs.slice(0, 1), peers: [...new Set(receipts.map((r) => r.holder))] },
    )
    const guest = await browser.newContext({ viewport: { width: size.width, height: size.height } })
    try {
      const share = await guest.newPage()
      await share.goto(link)
      await expect(share.getByTestId('share-name')).toHaveText(name, { timeout: 90_000 })
      await expect(share.getByTestId('share-type')).toHaveText('Zip archive')
      await checkView(share, 'share', size.name, info)
      // The embeddable viewer, as a frame of this size would show it.
      await share.goto(link.replace('/#/s/', '/embed#/s/'))
      await expect(share.getByTestId('embed-page')).toBeVisible()
      await expect(share.getByTestId('share-name')).toHaveText(name, { timeout: 90_000 })
      await checkView(share, 'embed', size.name, info)
    } finally {
      await guest.close()
    }
  })
}
