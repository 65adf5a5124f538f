/**
 * Two members, each behind its own NAT router (network namespaces made by the test), and the
 * co-op's pod on a "public" segment: the relay with its built-in STUN, and coturn.
 *
 * - host candidates only (the pod offers no ICE server): no direct connection, and both
 *   Peers views say "blocked by NAT: needs TURN";
 * - symmetric NATs with the pod's STUN and TURN: they connect through TURN (the selected
 *   candidate pair is `relay`), and a file's shards go there and back over it;
 * - port-preserving NATs with the pod's STUN alone: they connect directly (srflx/prflx).
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import {
  test,
  expect,
  buildOnce,
  inviteLinkOf,
  peerIdOf,
  startRelayProcess,
  type CofferWindow,
} from './fixtures.ts'
import { createNatNetwork, POD_IP, type NatKind } from './nat.ts'
import { startCoturn } from './coturn.ts'
import { recordIceServers, recordedIceServers, selectedPairs } from './ice-record.ts'
import { fileRow, MiB, openFiles, uploadThroughUi } from './transfer-helpers.ts'

const TURN_PORT = 3479
const NODE_LOG = 'coffer:net:node'
/** COFFER_E2E_DEBUG=<debug pattern> logs more in the pages (printed if the test fails). */
const DEBUG = process.env.COFFER_E2E_DEBUG ?? ''
const LOG_PATTERN = ['', '0', '1'].includes(DEBUG) ? NODE_LOG : DEBUG

interface Member {
  page: Page
  id: string
}

interface Pod {
  stun: boolean
  turn: boolean
}

/**
 * Builds the network, starts the pod, opens the founder in home A and the invited member in
 * home B, and hands them to `body`; removes everything afterwards, also on failure.
 */
async function withNatCoop(
  kind: NatKind,
  pod: Pod,
  /** `since`: when B's node had started. */
  body: (a: Member, b: Member, iceServers: unknown, since: number) => Promise<void>,
): Promise<void> {
  const appDir = await buildOnce('app')
  const net = await createNatNetwork(kind)
  const dir = await mkdtemp(join(tmpdir(), 'coffer-nat-pod-'))
  const stops: Array<() => Promise<unknown>> = []
  const log: string[] = []
  try {
    const args = ['--host', POD_IP, '--stun-port', pod.stun ? '3478' : '0']
    if (pod.turn) {
      const secret = randomBytes(24).toString('base64')
      await writeFile(join(dir, 'turn-secret'), secret)
      const coturn = await startCoturn({
        secret,
        listenIp: POD_IP,
        port: TURN_PORT,
        netns: net.pod,
      })
      stops.push(() => coturn.stop())
      args.push('--turn-url', `turn:${POD_IP}:${TURN_PORT}?transport=udp`)
      args.push('--turn-secret-file', join(dir, 'turn-secret'))
    }
    const relay = await startRelayProcess({ appDir, dataDir: dir, netns: net.pod, extraArgs: args })
    stops.push(() => relay.stop())
    const origin = relay.url
    const t0 = Date.now()

    const open = async (home: (typeof net.homes)[number], url: string): Promise<Member> => {
      const browser = await net.launchBrowser(home, origin)
      const context = await browser.newContext()
      await context.addInitScript((p) => {
        localStorage.setItem('debug', p)
        // The save picker needs a person to answer it; the streamed download does not.
        delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
      }, LOG_PATTERN)
      const page = await context.newPage()
      page.on('console', (m) => {
        if (LOG_PATTERN !== NODE_LOG || m.text().includes(NODE_LOG)) {
          log.push(`[${home.ns} +${Date.now() - t0}ms] ${m.text()}`)
        }
      })
      await recordIceServers(page)
      await page.goto(url)
      return { page, id: await peerIdOf(page, 90_000) }
    }
    const a = await open(net.homes[0], origin)
    const b = await open(net.homes[1], await inviteLinkOf(a.page))
    const iceServers = await a.page.evaluate(
      async () =>
        ((await (await fetch('/config.json')).json()) as { iceServers: unknown }).iceServers,
    )
    await body(a, b, iceServers, Date.now())
  } catch (err) {
    process.stdout.write(`connection log of the failed NAT test:\n${log.join('\n')}\n`)
    throw err
  } finally {
    for (const s of stops.reverse()) await s().catch(() => {})
    await net.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The row of `other` in the page's Peers view. */
function peerRow(page: Page, other: string) {
  return page.locator(`[data-testid="peer"][data-peer-id="${other}"]`)
}

async function expectLink(page: Page, other: string, link: string, text: string): Promise<void> {
  await page.getByTestId('nav-peers').click()
  const row = peerRow(page, other)
  await expect(row).toHaveAttribute('data-link', link, { timeout: 120_000 })
  await expect(row.getByTestId('peer-via')).toHaveText(text)
}

/** Whether the node holds a direct (unlimited, proven) connection to `other`. */
function isDirect(page: Page, other: string): Promise<boolean> {
  return page.evaluate(
    (o) =>
      (window as CofferWindow).coffer?.node?.peers().some((p) => p.peerId === o && p.direct) ===
      true,
    other,
  )
}

test.describe.configure({ timeout: 300_000 })

test('host candidates only: members behind NATs do not connect, and both Peers views say why', async () => {
  await withNatCoop('symmetric', { stun: false, turn: false }, async (a, b, iceServers, since) => {
    expect(iceServers).toEqual([])
    await expectLink(a.page, b.id, 'needs-turn', 'blocked by NAT: needs TURN')
    await expectLink(b.page, a.id, 'needs-turn', 'blocked by NAT: needs TURN')
    process.stdout.write(`both say why ${Date.now() - since} ms after the member started\n`)
    for (const [p, other] of [
      [a.page, b.id],
      [b.page, a.id],
    ] as const) {
      expect(await isDirect(p, other)).toBe(false)
      expect(await selectedPairs(p)).toEqual([])
      // Tried, but with nothing but host candidates.
      const seen = await recordedIceServers(p)
      expect(seen.length).toBeGreaterThan(0)
      for (const s of seen) expect(s).toEqual([])
    }
  })
})

test('symmetric NATs: members connect only through the pod’s TURN, and shards travel over it', async () => {
  await withNatCoop('symmetric', { stun: true, turn: true }, async (a, b, iceServers, since) => {
    expect(iceServers).toEqual([
      { urls: [`stun:${POD_IP}:3478`] },
      {
        urls: [`turn:${POD_IP}:${TURN_PORT}?transport=udp`],
        username: expect.stringMatching(/^\d+:[0-9a-f]+$/) as unknown,
        credential: expect.any(String) as unknown,
      },
    ])
    await expectLink(a.page, b.id, 'direct', 'direct')
    await expectLink(b.page, a.id, 'direct', 'direct')
    process.stdout.write(`both direct ${Date.now() - since} ms after the member started\n`)
    for (const p of [a.page, b.page]) {
      const pairs = await selectedPairs(p)
      expect(pairs.length).toBeGreaterThan(0)
      for (const pair of pairs) expect([pair.local, pair.remote]).toContain('relay')
    }

    // A stores a file: with one other member, that member keeps half of every stripe (k of
    // n), which is enough for A to read it back from there alone.
    const data = randomBytes(2 * MiB)
    await uploadThroughUi(a.page, 'nat.bin', data)
    await openFiles(a.page)
    const [download] = await Promise.all([
      a.page.waitForEvent('download', { timeout: 180_000 }),
      fileRow(a.page, 'nat.bin').getByTestId('download').click(),
    ])
    const got = await readFile(await download.path())
    const sha = (x: Buffer): string => createHash('sha256').update(x).digest('hex')
    expect(sha(got)).toBe(sha(data))
    // Half of each stripe went to B and came back: at least the file's size each way, on
    // the pair that goes through TURN.
    for (const p of [a.page, b.page]) {
      const pairs = await selectedPairs(p)
      const viaTurn = pairs.filter((x) => x.local === 'relay' || x.remote === 'relay')
      expect(viaTurn.reduce((n, x) => n + x.bytesReceived, 0)).toBeGreaterThanOrEqual(data.length)
    }
  })
})

test('port-preserving NATs: members connect through the pod’s STUN alone', async () => {
  await withNatCoop(
    'port-preserving',
    { stun: true, turn: false },
    async (a, b, iceServers, since) => {
      expect(iceServers).toEqual([{ urls: [`stun:${POD_IP}:3478`] }])
      await expectLink(a.page, b.id, 'direct', 'direct')
      await expectLink(b.page, a.id, 'direct', 'direct')
      process.stdout.write(`both direct ${Date.now() - since} ms after the member started\n`)
      for (const p of [a.page, b.page]) {
        const pairs = await selectedPairs(p)
        expect(pairs.length).toBeGreaterThan(0)
        for (const pair of pairs) {
          expect([pair.local, pair.remote]).not.toContain('relay')
          // The other side is known by its address outside its NAT, learnt through STUN.
          expect(['srflx', 'prflx']).toContain(pair.remote)
        }
      }
    },
  )
})
