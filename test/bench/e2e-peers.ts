// The six peers of one co-op: each a page of the bench build in its own browser context.
import type { Browser, Page } from 'playwright-core'
import { DISCOVERY_FAST_PHASE_MS } from '../../src/net/constants.ts'
import type { Coop } from '../../src/net/types.ts'
import { say } from './e2e-clock.ts'
import { DEBUG, HOLDERS, PLEDGE } from './e2e-settings.ts'

export interface Peer {
  name: string
  page: Page
  peerId: string
}

export async function openPeer(
  browser: Browser,
  url: string,
  name: string,
  coop: Coop | undefined,
  relays: string[],
): Promise<Peer & { coop: Coop }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message))
  page.on('crash', () => console.error(`[${name}] page crashed`))
  page.on('console', (m) => {
    if (m.type() === 'error' || m.text().startsWith('[bench]') || DEBUG) {
      console.error(`[${name}] ${m.text()}`)
    }
  })
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 })
  const started = await page.evaluate(([c, r]) => window.benchPeer.start(c, r), [
    coop,
    relays,
  ] as const)
  return { name, page, ...started }
}

export async function waitForMesh(peers: Peer[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const counts = await Promise.all(
      peers.map((p) => p.page.evaluate(() => window.benchPeer.directPeers().length)),
    )
    if (counts.every((c) => c >= peers.length - 1)) return
    if (Date.now() > deadline) throw new Error(`peers did not all connect: ${counts.join(',')}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** Opens the six peers of one co-op and waits until every pair is connected directly. */
export async function openCoop(
  browserFor: (name: string) => Promise<Browser>,
  url: string,
  relayAddrs: string[],
) {
  const openNamed = async (name: string, coop: Coop | undefined) =>
    openPeer(
      await browserFor(name),
      `${url}/e2e.html${DEBUG ? '?debug' : ''}`,
      name,
      coop,
      relayAddrs,
    )
  const owner = await openNamed('owner', undefined)
  const holders: Peer[] = []
  for (let i = 1; i <= HOLDERS; i++) holders.push(await openNamed(`holder${i}`, owner.coop))
  const downloader = await openNamed('downloader', owner.coop)
  const all = [owner, ...holders, downloader]
  await waitForMesh(all)
  say('all peers connected directly')
  for (const h of holders) await h.page.evaluate((b) => window.benchPeer.setPledge(b), PLEDGE)
  for (const p of [...holders, downloader]) {
    await p.page.evaluate(() => window.benchPeer.rawServe())
  }
  // Peers announce fast for a while after a change; the steps run in a settled co-op, as a
  // real one mostly is.
  say(`waiting ${DISCOVERY_FAST_PHASE_MS / 1000} s for the co-op to settle`)
  await new Promise((r) => setTimeout(r, DISCOVERY_FAST_PHASE_MS))
  return {
    owner,
    holders,
    downloader,
    all,
    h1: holders[0]!,
    holderIds: holders.map((h) => h.peerId),
  }
}
export type OpenCoop = Awaited<ReturnType<typeof openCoop>>
