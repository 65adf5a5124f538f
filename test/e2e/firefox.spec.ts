/**
 * Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi: Playwright's own
 * Firefox build cannot be installed here) as a full member beside Chromium members: it joins
 * through an invite, connects directly over WebRTC, keeps other members' shards, uploads a file
 * the Chromium members store, and opens a share link as a guest.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import puppeteer, { type Browser, type Page as FirefoxPage } from 'puppeteer-core'
import { formatShareLink } from '../../src/core/index.ts'
import { expect, inviteLinkOf, openCoop, test, type CofferWindow } from './fixtures.ts'
import { MiB, storedFile, uploadThroughUi } from './transfer-helpers.ts'

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

test.describe.configure({ retries: 1 })

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      // As the Chromium members do (playwright.config.ts): plain host candidates rather than
      // mDNS names, so many browsers on one host reach each other.
      'media.peerconnection.ice.obfuscate_host_addresses': false,
    },
  })
}

/** Polls a condition in a Firefox page (puppeteer's waitForFunction, with a clear message). */
async function waitIn(page: FirefoxPage, what: string, fn: () => boolean, timeout = 90_000) {
  try {
    await page.waitForFunction(fn, { timeout, polling: 250 })
  } catch (err) {
    throw new Error(`Firefox: ${what} did not happen within ${timeout / 1000} s`, { cause: err })
  }
}

/**
 * Shards a page keeps for others (blocks in its blockstore), counted inside the page: the same
 * function runs in Firefox (puppeteer) and in Chromium (Playwright).
 */
const countBlocks = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const open = indexedDB.open('coffer-blocks')
    open.onerror = () => reject(open.error ?? new Error('open failed'))
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('coffer-blocks')) {
        db.close()
        resolve(0)
        return
      }
      const req = db.transaction('coffer-blocks').objectStore('coffer-blocks').count()
      req.onsuccess = () => {
        db.close()
        resolve(req.result)
      }
      req.onerror = () => reject(req.error ?? new Error('count failed'))
    }
  })

test('Firefox joins a co-op of Chromium members, keeps their shards, uploads, and opens a share link', async ({
  openPeer,
  relay,
}) => {
  test.setTimeout(300_000)
  const { owner, members } = await openCoop(openPeer, { members: 2 })
  const invite = await inviteLinkOf(owner.page)
  const dir = await mkdtemp(join(tmpdir(), 'coffer-firefox-'))
  const firefox = await launchFirefox()
  try {
    const fx = await firefox.newPage()
    await fx.goto(invite)
    await waitIn(fx, 'the node starts', () => {
      return (window as CofferWindow).coffer?.node?.peerId !== undefined
    })
    const fxId = await fx.evaluate(() => (window as CofferWindow).coffer?.node?.peerId ?? '')
    await waitIn(fx, 'direct connections to the three Chromium members', () => {
      const peers = (window as CofferWindow).coffer?.node?.peers() ?? []
      return peers.filter((p) => p.direct).length >= 3
    })
    await expect
      .poll(
        async () => {
          const peers = await owner.page.evaluate(
            () => (window as CofferWindow).coffer?.node?.peers() ?? [],
          )
          return peers.some((p) => p.peerId === fxId && p.direct)
        },
        { message: 'the owner lists the Firefox member as direct', timeout: 90_000 },
      )
      .toBe(true)

    // A Chromium member's upload places shards on Firefox too (four members, n = 8).
    const fromChromium = randomBytes(4 * MiB)
    await uploadThroughUi(owner.page, 'from-chromium.bin', fromChromium)
    const { receipts } = await storedFile(owner.page, 'from-chromium.bin')
    const onFirefox = receipts.filter((r) => r.holder === fxId).length
    expect(onFirefox, 'receipts signed by the Firefox member').toBeGreaterThan(0)
    expect(await fx.evaluate(countBlocks)).toBeGreaterThanOrEqual(onFirefox)

    // Firefox uploads through its own Files view; the Chromium members keep its shards.
    const text = `Written in Firefox. ${randomBytes(24).toString('hex')}\n`.repeat(2000)
    const path = join(dir, 'from-firefox.txt')
    await writeFile(path, text)
    await fx.locator('[data-testid="nav-files"]').click()
    await waitIn(fx, 'the Files view is ready', () => {
      const b = document.querySelector<HTMLButtonElement>('[data-testid="pick-files"]')
      return b !== null && !b.disabled
    })
    const input = await fx.waitForSelector('input[data-testid="file-input"]')
    if (input === null) throw new Error('Firefox: no file input in the Files view')
    await input.uploadFile(path)
    await waitIn(
      fx,
      'its upload completes',
      () =>
        document
          .querySelector('[data-testid="file-row"][data-file-name="from-firefox.txt"]')
          ?.getAttribute('data-state') === 'complete',
      180_000,
    )
    const held = await Promise.all([owner, ...members].map((p) => p.page.evaluate(countBlocks)))
    expect(
      held.every((n) => n > 0),
      `every Chromium member holds shards (${held.join(', ')})`,
    ).toBe(true)

    // A guest in a fresh Firefox context opens a share link to the Chromium member's text file.
    const shared = `Shared from Chromium. ${randomBytes(16).toString('hex')}\n`.repeat(500)
    await owner.page.getByTestId('file-input').setInputFiles({
      name: 'note.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(shared),
    })
    await expect(
      owner.page.locator('[data-testid="file-row"][data-file-name="note.txt"]'),
    ).toHaveAttribute('data-state', 'complete', { timeout: 180_000 })
    const note = await storedFile(owner.page, 'note.txt')
    const holders = [...new Set(note.receipts.map((r) => r.holder))]
    const link = formatShareLink(
      `${relay.url}/`,
      {
        kind: 'read',
        manifest: CID.parse(note.record.manifestCid!),
        key: new Uint8Array(note.record.key),
      },
      { relays: relay.multiaddrs.slice(0, 1), peers: holders },
    )
    const guestContext = await firefox.createBrowserContext()
    const guest = await guestContext.newPage()
    await guest.goto(link)
    await waitIn(
      guest,
      'the share page shows the file name',
      () => document.querySelector('[data-testid="share-name"]')?.textContent === 'note.txt',
    )
    await waitIn(
      guest,
      'the text preview',
      () => (document.querySelector('[data-testid="preview-text"]')?.textContent ?? '') !== '',
    )
    const previewed = await guest.evaluate(
      () => document.querySelector('[data-testid="preview-text"]')?.textContent ?? '',
    )
    expect(sha256(Buffer.from(previewed)), 'the previewed text is the shared file').toBe(
      sha256(Buffer.from(shared)),
    )
  } finally {
    await firefox.close()
    await rm(dir, { recursive: true, force: true })
  }
})
