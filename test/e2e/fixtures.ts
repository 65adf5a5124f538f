/**
 * Shared Playwright fixtures for Coffer's end-to-end tests: a real relay process serving a
 * real build of the app, and peers in real Chromium contexts.
 *
 * Usage:
 *
 *   import { test, expect, waitForDirectPeers, peerIdOf } from './fixtures.ts'
 *
 *   test('two peers meet', async ({ relay, openPeer }) => {
 *     const a = await openPeer()                       // opens relay.url in a fresh context
 *     const invite = await inviteLinkOf(a.page)       // `<origin>/#/join/…` of a's co-op
 *     const b = await openPeer({ url: invite, persistent: true })
 *     await waitForDirectPeers(a.page, 1)
 *     await relay.stop()                              // …and relay.restart() (same port, same peer ID)
 *   })
 *
 * - `relay` (per test): builds the app once per run (`vite build` → dist/; set
 *   COFFER_E2E_NO_BUILD=1 to reuse an existing dist/), then starts `coffer-relay` on
 *   127.0.0.1, a free port and a temporary data dir, serving that build and /config.json.
 *   `test.use({ app: 'net-page' })` serves the network test page (test/e2e/pages/) instead
 *   of the app. The relay is stopped after the test.
 * - `openPeer({ url?, persistent? })`: a new browser context per peer (separate IndexedDB,
 *   separate peer identity). `persistent: true` uses chromium.launchPersistentContext with a
 *   temporary user-data-dir so IndexedDB is on disk (incognito contexts keep it in memory
 *   and cap it near 500 MB). Everything opened is closed after the test.
 * - Helpers read the node through `window.coffer.node` (the CofferNode of src/net/types.ts,
 *   exposed by the app and the test page).
 *
 * Page console errors are printed when COFFER_E2E_DEBUG=1; COFFER_E2E_DEBUG='coffer:*' (any
 * debug pattern) also turns on those loggers in every page and prints all their output.
 */
import { test as base, chromium, expect, type BrowserContext, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import { formatInvite } from '../../src/net/coop.ts'
import type { CofferNode, Coop, NodeStatus, PeerView } from '../../src/net/types.ts'

export { expect }

const ROOT = resolve(import.meta.dirname, '..', '..')
const RELAY_BIN = join(ROOT, 'relay', 'bin', 'coffer-relay.js')
export const APP_DIR = join(ROOT, 'dist')
export const NET_PAGE_DIR = join(ROOT, 'node_modules', '.cache', 'coffer-e2e', 'net-page')
const DEBUG = process.env.COFFER_E2E_DEBUG !== undefined && process.env.COFFER_E2E_DEBUG !== '0'
/** COFFER_E2E_DEBUG=<debug pattern, e.g. coffer:*> also turns on those libp2p loggers. */
const DEBUG_PATTERN =
  DEBUG && process.env.COFFER_E2E_DEBUG !== '1' ? process.env.COFFER_E2E_DEBUG : undefined

/** The node's own logger: connections, dials, discovery (see #onConnection in src/net/node.ts). */
const NODE_LOG = 'coffer:net:node'

export type AppKind = 'app' | 'net-page'

// ---------------------------------------------------------------- build

const builds = new Map<AppKind, Promise<string>>()

/** Builds the app (or the network test page) once per Playwright worker process. */
export function buildOnce(kind: AppKind): Promise<string> {
  let p = builds.get(kind)
  if (!p) {
    p = kind === 'app' ? buildApp() : buildNetPage()
    builds.set(kind, p)
  }
  return p
}

async function buildApp(): Promise<string> {
  if (process.env.COFFER_E2E_NO_BUILD === '1' && existsSync(join(APP_DIR, 'index.html'))) {
    return APP_DIR
  }
  await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'])
  return APP_DIR
}

async function buildNetPage(): Promise<string> {
  await run(process.execPath, [
    join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    join(ROOT, 'test', 'e2e', 'pages', 'vite.config.ts'),
  ])
  return NET_PAGE_DIR
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', rej)
    child.on('exit', (code) =>
      code === 0 ? res() : rej(new Error(`${args.join(' ')} failed (${code}):\n${out}`)),
    )
  })
}

// ---------------------------------------------------------------- relay process

export interface RelayProcess {
  /** http://127.0.0.1:<port> — the app, /health and /config.json. */
  url: string
  port: number
  peerId: string
  /** The relay's multiaddrs, each ending in /p2p/<peerId>. */
  multiaddrs: string[]
  dataDir: string
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>
  /** Start again on the same port with the same data dir (hence the same peer ID). */
  restart(): Promise<void>
  /** Everything the process printed so far. */
  output(): string
}

export interface StartRelayOptions {
  appDir?: string
  port?: number
  dataDir?: string
  extraArgs?: string[]
  /** Run the relay inside this network namespace (`ip netns exec`, as root). */
  netns?: string
}

/** Starts `coffer-relay` as a child process on 127.0.0.1 and waits for its addresses. */
export async function startRelayProcess(options: StartRelayOptions = {}): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'coffer-relay-')))
  let port = options.port ?? 0
  let child: ChildProcess | undefined
  let log = ''
  const state = { url: '', peerId: '', multiaddrs: [] as string[] }

  const launch = async (): Promise<void> => {
    const args = [RELAY_BIN, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]
    if (options.appDir !== undefined) args.push('--app', options.appDir)
    // UDP 3478 is one per machine and runs overlap: STUN only where a test asks (last flag wins).
    args.push('--stun-port', '0')
    args.push(...(options.extraArgs ?? []))
    const [cmd, argv] =
      options.netns === undefined
        ? [process.execPath, args]
        : ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]]
    const c = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    child = c
    let out = ''
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`relay did not start:\n${out}`)), 30_000)
      c.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        log += d.toString()
        // The banner ends with a blank line after the multiaddrs.
        if (/Multiaddrs:\n(?: {2}\/.*\n)+/.test(out)) {
          clearTimeout(timer)
          res()
        }
      })
      c.stderr?.on('data', (d: Buffer) => {
        out += d.toString()
        log += d.toString()
      })
      c.on('exit', (code) => {
        clearTimeout(timer)
        rej(new Error(`relay exited with ${code}:\n${out}`))
      })
    })
    const url = /HTTP: (http:\/\/\S+)/.exec(out)?.[1]
    const peerId = /Coffer relay (\S+)/.exec(out)?.[1]
    if (url === undefined || peerId === undefined) throw new Error(`unexpected banner:\n${out}`)
    state.url = url
    state.peerId = peerId
    state.multiaddrs = [...out.matchAll(/^ {2}(\/\S+)$/gm)].map((m) => m[1] ?? '')
    port = Number(new URL(url).port)
  }

  const stop = async (): Promise<number | null> => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return c?.exitCode ?? null
    const exited = new Promise<number | null>((res) => c.once('exit', (code) => res(code)))
    c.kill('SIGTERM')
    const code = await exited
    child = undefined
    return code
  }

  await launch()
  return {
    get url() {
      return state.url
    },
    get port() {
      return port
    },
    get peerId() {
      return state.peerId
    },
    get multiaddrs() {
      return state.multiaddrs
    },
    dataDir,
    stop,
    async restart() {
      await stop()
      await launch()
    },
    output: () => log,
  }
}

// ---------------------------------------------------------------- CSP

const CSP_VIOLATION = 'coffer-e2e: CSP violation'

/**
 * Records every Content-Security-Policy violation of a context's pages (the app must work with
 * its CSP in force); returns the list so far. openPeer fails the test when it is not empty.
 */
export async function watchCspViolations(context: BrowserContext): Promise<() => string[]> {
  const seen: string[] = []
  await context.addInitScript((tag) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // eslint-disable-next-line no-console -- the page reports to the test through its console
      console.error(`${tag}: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile})`)
    })
  }, CSP_VIOLATION)
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.text().startsWith(CSP_VIOLATION)) seen.push(`${page.url()}: ${m.text()}`)
    })
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  return () => [...seen]
}

// ---------------------------------------------------------------- peers

export interface Peer {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

export interface OpenPeerOptions {
  /** Defaults to the relay's URL (the app creates a new co-op there). */
  url?: string
  /** Keep IndexedDB on disk (launchPersistentContext with a temporary user-data-dir). */
  persistent?: boolean
}

interface Fixtures {
  /** Which build the relay serves: the app (default) or the network test page. */
  app: AppKind
  relay: RelayProcess
  /** Hosts (`host:port`) besides the relay's that pages may reach, e.g. a keeper's WebSocket. */
  extraHosts: string[]
  openPeer: (options?: OpenPeerOptions) => Promise<Peer>
}

export const test = base.extend<Fixtures>({
  app: ['app', { option: true }],
  extraHosts: [[], { option: true }],

  relay: async ({ app }, use) => {
    const appDir = await buildOnce(app)
    const relay = await startRelayProcess({ appDir })
    try {
      await use(relay)
    } finally {
      await relay.stop()
      await rm(relay.dataDir, { recursive: true, force: true })
    }
  },

  openPeer: async ({ browser, relay, extraHosts }, use, testInfo) => {
    const opened: Array<() => Promise<void>> = []
    const pages: Page[] = []
    // Every page logs its node's connection events; a failed test prints them (cheap: a few
    // lines per dial), so a rare lost connection in CI says what happened.
    const connectionLog: string[] = []
    const cspViolations: Array<() => string[]> = []
    const elsewhere: string[] = []
    const t0 = Date.now()
    await use(async (options = {}) => {
      let context: BrowserContext
      let dir: string | undefined
      if (options.persistent === true) {
        dir = await mkdtemp(join(tmpdir(), 'coffer-peer-'))
        context = await chromium.launchPersistentContext(dir, {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: CHROMIUM_ARGS,
        })
      } else {
        context = await browser.newContext()
      }
      cspViolations.push(await watchCspViolations(context))
      const page = context.pages()[0] ?? (await context.newPage())
      const index = pages.push(page) - 1
      // The app asks nothing of any host but the co-op's relay (issue 17): checked for every
      // page of every test, requests and WebSockets alike.
      const offHost = (url: string): void => {
        if (/^(data|blob|about):/.test(url)) return
        const host = new URL(url).host
        if (host === new URL(relay.url).host || extraHosts.includes(host)) return
        elsewhere.push(`page ${index}: ${url}`)
      }
      context.on('request', (r) => offHost(r.url()))
      page.on('websocket', (ws) => offHost(ws.url()))
      if (DEBUG_PATTERN === undefined) {
        await context.addInitScript((p) => localStorage.setItem('debug', p), NODE_LOG)
        page.on('console', (m) => {
          const text = m.text()
          if (text.includes(NODE_LOG))
            connectionLog.push(`[page ${index} +${Date.now() - t0}ms] ${text}`)
        })
      }
      if (DEBUG) {
        if (DEBUG_PATTERN !== undefined) {
          await context.addInitScript((p) => localStorage.setItem('debug', p), DEBUG_PATTERN)
        }
        const t0 = Date.now()
        const tag = Math.random().toString(36).slice(2, 6)
        page.on('console', (m) => {
          if (DEBUG_PATTERN !== undefined || m.type() === 'error' || m.type() === 'warning') {
            process.stdout.write(`[${tag} +${Date.now() - t0}ms] ${m.text()}\n`)
          }
        })
        page.on('pageerror', (e) => process.stdout.write(`[pageerror] ${e.message}\n`))
      }
      await page.goto(options.url ?? relay.url)
      const close = async (): Promise<void> => {
        await context.close().catch(() => {})
        if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => {})
      }
      opened.push(close)
      return { context, page, close }
    })
    if (testInfo.status !== testInfo.expectedStatus && connectionLog.length > 0) {
      const ids = await Promise.all(
        pages.map((p, i) =>
          p
            .evaluate(() => (window as CofferWindow).coffer?.node?.peerId ?? '?')
            .then(
              (id) => `page ${i} is ${id}`,
              () => `page ${i} closed`,
            ),
        ),
      )
      const body = [...ids, ...connectionLog].join('\n')
      await testInfo.attach('connection log', { body, contentType: 'text/plain' })
      process.stdout.write(`connection log of the failed test:\n${body}\n`)
    }
    await Promise.all(opened.map((c) => c()))
    expect(
      cspViolations.flatMap((v) => v()),
      'no CSP violation in any page',
    ).toEqual([])
    expect(elsewhere, 'requests to hosts other than the relay').toEqual([])
  },
})

// ---------------------------------------------------------------- page helpers

/** What the app and the test page put on `window` (only the part tests read). */
export interface CofferWindow {
  coffer?: { node?: CofferNode }
}

/** Waits until the page's node exists, then returns its peer ID. */
export async function peerIdOf(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    () => (window as CofferWindow).coffer?.node?.peerId !== undefined,
    undefined,
    { timeout },
  )
  return page.evaluate(() => (window as CofferWindow).coffer?.node?.peerId ?? '')
}

/** The co-op the page's node belongs to. */
export async function coopOf(page: Page): Promise<Coop> {
  await peerIdOf(page)
  return page.evaluate(() => {
    const c = (window as CofferWindow).coffer?.node?.coop
    if (!c) throw new Error('no node')
    return { id: c.id, name: c.name, relays: [...c.relays], secret: c.secret }
  })
}

/** The co-op peers the node lists right now. */
export function peersOf(page: Page): Promise<PeerView[]> {
  return page.evaluate(() => (window as CofferWindow).coffer?.node?.peers() ?? [])
}

/** The page's co-op invite link (`<origin>/#/join/…`), built with src/net's formatInvite. */
export async function inviteLinkOf(page: Page): Promise<string> {
  return formatInvite(await coopOf(page), new URL(page.url()).origin)
}

/** Waits until at least `n` peers are connected directly (a connection without limits). */
export async function waitForDirectPeers(page: Page, n: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (count) =>
      ((window as CofferWindow).coffer?.node?.peers() ?? []).filter((p) => p.direct).length >=
      count,
    n,
    { timeout, polling: 200 },
  )
}

/** Waits until the node reports the given status. */
export async function waitForStatus(
  page: Page,
  status: NodeStatus,
  timeout = 60_000,
): Promise<void> {
  await page.waitForFunction((s) => (window as CofferWindow).coffer?.node?.status === s, status, {
    timeout,
    polling: 200,
  })
}

// ---------------------------------------------------------------- co-ops and storage (issue 4)

export interface CoopPeers {
  /** The first peer: it created the co-op (and usually uploads). */
  owner: Peer
  /** Peers that joined through the owner's invite link. */
  members: Peer[]
}

/**
 * Opens a co-op of one owner and `members` other peers (joined through the owner's invite),
 * and waits until the owner is directly connected to every member. Members open in parallel;
 * `persistent` applies to the owner, `persistentMembers` to the members.
 */
export async function openCoop(
  openPeer: (options?: OpenPeerOptions) => Promise<Peer>,
  options: { members: number; persistent?: boolean; persistentMembers?: boolean },
): Promise<CoopPeers> {
  const owner = await openPeer({ persistent: options.persistent === true })
  const invite = await inviteLinkOf(owner.page)
  const members = await Promise.all(
    Array.from({ length: options.members }, () =>
      openPeer({ url: invite, persistent: options.persistentMembers === true }),
    ),
  )
  await Promise.all(members.map((m) => peerIdOf(m.page)))
  await waitForDirectPeers(owner.page, options.members, 90_000)
  return { owner, members }
}

/** All values of one object store of a page's IndexedDB database (`coffer`, `coffer-blocks`, …). */
export function idbValues<T = unknown>(page: Page, dbName: string, store: string): Promise<T[]> {
  return page.evaluate(
    ([name, storeName]) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => reject(open.error ?? new Error('open failed'))
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains(storeName)) {
            db.close()
            resolve([])
            return
          }
          const req = db.transaction(storeName).objectStore(storeName).getAll()
          req.onsuccess = () => {
            db.close()
            resolve(req.result as T[])
          }
          req.onerror = () => reject(req.error ?? new Error('getAll failed'))
        }
      }),
    [dbName, store] as const,
  )
}

/**
 * The blocks in a page's blockstore (blockstore-idb `coffer-blocks`, slot 0), by CID string
 * (CIDv1 raw; blockstore-idb keys blocks by multihash), with their sizes.
 */
export async function blocksOf(page: Page): Promise<Map<string, number>> {
  const { CID } = await import('multiformats/cid')
  const raw = await import('multiformats/codecs/raw')
  const Digest = await import('multiformats/hashes/digest')
  const { base32upper } = await import('multiformats/bases/base32')
  const entries = await page.evaluate(
    () =>
      new Promise<Array<[string, number]>>((resolve, reject) => {
        const open = indexedDB.open('coffer-blocks')
        open.onerror = () => reject(open.error ?? new Error('open failed'))
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('coffer-blocks')) {
            db.close()
            resolve([])
            return
          }
          const out: Array<[string, number]> = []
          const req = db.transaction('coffer-blocks').objectStore('coffer-blocks').openCursor()
          req.onsuccess = () => {
            const cursor = req.result
            if (cursor === null) {
              db.close()
              resolve(out)
              return
            }
            const v = cursor.value as Uint8Array | ArrayBuffer
            out.push([cursor.key as string, v.byteLength])
            cursor.continue()
          }
          req.onerror = () => reject(req.error ?? new Error('cursor failed'))
        }
      }),
  )
  const blocks = new Map<string, number>()
  for (const [key, size] of entries) {
    const digest = Digest.decode(base32upper.decode(key.slice(1)))
    blocks.set(CID.createV1(raw.code, digest).toString(), size)
  }
  return blocks
}
