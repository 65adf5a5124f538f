// `npm run bench:e2e`: six peers in Debian Chromium (separate browser contexts, real WebRTC) and
// a real relay. Times Coffer's upload-to-complete and download of one file over four holders
// against plain Helia (UnixFS add + bitswap fetch) and one raw libp2p stream moving the same
// bytes, samples the memory of the uploading and downloading pages, prints one table and saves
// the figures to test/bench/results/e2e.json.
//
// Environment: BENCH_E2E_MIB (default 64) and BENCH_E2E_LARGE_MIB (default 256, 0 skips the
// memory run) change the file sizes (results then go to the temp dir, not results/e2e.json);
// BENCH_E2E_DEBUG=1 prints the pages' progress; BENCH_E2E_PROFILE=1 CPU-profiles the owner, one
// holder and the downloader during the main upload and download; BENCH_E2E_WATCHDOG_MIN
// (default 75) bounds the run; BENCH_E2E_REPEAT (default 3) is how many times the Coffer
// download and bitswap fetch run, alternating, for the median ratio; CHROMIUM_PATH names the
// browser.
//
// Then, run as root, a second co-op repeats the main steps with every member's uplink capped at
// BENCH_E2E_UPLINK_MBIT (default 10 Mbit/s, a common home or mobile uplink; 0 skips) on a
// BENCH_E2E_UPLINK_MIB (default 64, the issue's size) file, each peer in its own Chromium and
// network namespace (test/bench/lab.ts): one machine's loopback has no per-member uplink, so
// the bare figures cannot show what spreading shards over many members buys. The same co-op
// then repeats them with every path between two peers limited to BENCH_E2E_PATH_MBIT (default
// 2.5; 0 skips) under uplinks of BENCH_E2E_PATH_UPLINK_MBIT (default 10), BENCH_E2E_PATH_MIB
// (default 64) file: one connection is then limited by its path, not by the sender's uplink,
// the case the upload goal's parallel connections are for. There the bitswap comparison runs
// BENCH_E2E_PATH_REPEAT times (default 1: one fetch takes minutes; BENCH_E2E_PATH_BITSWAP=0
// leaves it out).
import '../../src/core/polyfills.ts'
import { createReadStream, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'
import { build } from 'vite'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import { openLab, type Lab, type LinkShape } from './lab.ts'
import { startRelay, type RunningRelay } from '../../relay/relay.ts'
import { parseConfig, type RelayConfig } from '../../relay/config.ts'
import { DEFAULT_K, DEFAULT_N } from '../../src/core/constants.ts'
import { DISCOVERY_FAST_PHASE_MS } from '../../src/net/constants.ts'
import type { Coop } from '../../src/net/types.ts'
import type { DownloadFigures, Timed, UploadFigures } from './e2e-page.ts'
import { median } from './stats.ts'

const MiB = 1024 * 1024
const root = fileURLToPath(new URL('../..', import.meta.url))
const benchDir = fileURLToPath(new URL('.', import.meta.url))
const outDir = join(root, 'node_modules', '.cache', 'coffer-bench', 'e2e')
const resultsFile = new URL('results/e2e.json', import.meta.url)
const SIZE = Number(process.env.BENCH_E2E_MIB ?? 64) * MiB
const LARGE = Number(process.env.BENCH_E2E_LARGE_MIB ?? 256) * MiB
const HOLDERS = 4
const PLEDGE = 4 * 1024 * MiB
const SAMPLE_MS = 250
/** How long the connected, idle co-op is watched for its background CPU use. */
const IDLE_MS = 10_000
/** Every member's upload cap in the emulated-uplink steps, Mbit/s (0: no such steps). */
const UPLINK_MBIT = Number(process.env.BENCH_E2E_UPLINK_MBIT ?? 10)
const UPLINK_SIZE = Number(process.env.BENCH_E2E_UPLINK_MIB ?? 64) * MiB
/**
 * The path-limited steps: every path between two peers carries BENCH_E2E_PATH_MBIT (default 2.5,
 * 0 skips) while every uplink carries BENCH_E2E_PATH_UPLINK_MBIT (default 10), so one connection
 * is limited by its path and the owner's uplink has room for four. The rates are low so that
 * the six browsers sharing this machine's two cores stay below what the CPU can move (at 10
 * and 40 Mbit/s the raw upload shape alone already saturated it).
 */
const PATH_MBIT = Number(process.env.BENCH_E2E_PATH_MBIT ?? 2.5)
const PATH_UPLINK_MBIT = Number(process.env.BENCH_E2E_PATH_UPLINK_MBIT ?? 10)
const PATH_SIZE = Number(process.env.BENCH_E2E_PATH_MIB ?? 64) * MiB

/**
 * Coffer download and bitswap fetch run this many times, alternating, and the goal ratio is the
 * median of the paired runs: single runs on this shared machine spread by ±20 %.
 */
const REPEAT = Math.max(1, Number(process.env.BENCH_E2E_REPEAT ?? 3))

/** One shaping of the lab co-op's links under which the main steps run again. */
interface LabProfile {
  /** Key of its figures in the JSON. */
  key: 'uplinkCapped' | 'pathCapped'
  /** Said after each step's name, and in the table. */
  tag: string
  /** Suffix of its CPU step names. */
  at: string
  shape: LinkShape
  /** File size of its steps, bytes. */
  size: number
  /** Whether the bitswap comparison runs too (BENCH_E2E_PATH_BITSWAP=0 leaves it out there). */
  bitswap: boolean
  /** Paired Coffer download / bitswap fetch runs (the link, not the CPU, sets the pace). */
  repeat: number
  how: string
}
const LAB_PROFILES: LabProfile[] = [
  ...(UPLINK_MBIT > 0
    ? [
        {
          key: 'uplinkCapped' as const,
          tag: `every uplink ${UPLINK_MBIT} Mbit/s`,
          at: `-${UPLINK_MBIT}mbit`,
          shape: { mbit: UPLINK_MBIT },
          size: UPLINK_SIZE,
          bitswap: true,
          repeat: REPEAT,
          how: 'tc tbf on each peer’s side of its veth link: rate as given, burst 32 kB, queue 100 ms; downlinks uncapped; no added delay',
        },
      ]
    : []),
  ...(PATH_MBIT > 0
    ? [
        {
          key: 'pathCapped' as const,
          tag: `every path ${PATH_MBIT}, every uplink ${PATH_UPLINK_MBIT} Mbit/s`,
          at: `-path${PATH_MBIT}mbit`,
          shape: { mbit: PATH_UPLINK_MBIT, pathMbit: PATH_MBIT },
          size: PATH_SIZE,
          bitswap: process.env.BENCH_E2E_PATH_BITSWAP !== '0',
          // One bitswap fetch of 64 MiB over one 2.5 Mbit/s path takes about 4 minutes.
          repeat: Math.max(1, Number(process.env.BENCH_E2E_PATH_REPEAT ?? 1)),
          how: 'tc htb on each peer’s side of its veth link: one class at the uplink rate, under it one class per other peer (u32 on the destination address) capped at the path rate, each with a 100 ms pfifo queue; downlinks uncapped; no added delay (this kernel has no netem)',
        },
      ]
    : []),
]
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const DEBUG = process.env.BENCH_E2E_DEBUG !== undefined
/** BENCH_E2E_PROFILE=1: CPU-profile the main Coffer upload and download (unminified build). */
const PROFILE = process.env.BENCH_E2E_PROFILE !== undefined
const BROWSER_ARGS = [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory']
/** The whole run is killed past this (the brief allows about six minutes). */
const WATCHDOG_MS = Number(process.env.BENCH_E2E_WATCHDOG_MIN ?? 75) * 60_000

const t0 = Date.now()
const say = (s: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}`)
const load = (): number => Number(os.loadavg()[0]!.toFixed(2))
const mbps = (t: Timed): number => t.bytes / 1e6 / (t.ms / 1000)

/**
 * Machine-wide CPU time from /proc/stat (every process: the six pages, their workers, the
 * browser and network processes, the relay, this runner), in seconds. Every peer shares these
 * two cores, so a step's CPU seconds per MB say what it costs, whatever else ran.
 */
/** One Coffer download and one bitswap fetch of the same size, one after the other, in MB/s. */
interface PairedRun {
  download: number
  bitswap: number
  ratio: number
}

interface CpuUse {
  busySeconds: number
  /** Share of the machine's CPU time that was busy during the step (1 = saturated). */
  busyShare: number
}
function cpuTicks(): { busy: number; all: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // cpu user nice system idle iowait irq softirq steal …
  const v = first.trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = v[3]! + v[4]!
  const all = v.reduce((a, b) => a + b, 0)
  return { busy: all - idle, all }
}
/** Starts measuring; the returned function gives the CPU used since. */
function cpuMeter(): () => CpuUse {
  const a = cpuTicks()
  return () => {
    const b = cpuTicks()
    const busy = b.busy - a.busy
    // USER_HZ is 100 on Linux.
    return { busySeconds: busy / 100, busyShare: busy / Math.max(1, b.all - a.all) }
  }
}

// ---------------------------------------------------------------- memory sampling

interface MemorySample {
  /** V8 heap of the page's main thread (Runtime.getHeapUsage usedSize). */
  heap: number
  /** ArrayBuffer backing stores of the main thread (outside the V8 heap; file bytes live here). */
  backing: number
  /** Performance.getMetrics JSHeapUsedSize, the figure DevTools shows. */
  jsHeapUsedSize: number
  /**
   * performance.measureUserAgentSpecificMemory() (cross-origin isolated page): all bytes, and
   * the part attributed to the page's dedicated workers (the stripe worker pool).
   */
  uaTotal?: number
  uaWorkers?: number
}

interface MemoryFigures {
  samples: number
  baseline: MemorySample
  peak: {
    heap: number
    backing: number
    total: number
    jsHeapUsedSize: number
    uaTotal?: number
    uaWorkers?: number
  }
}

interface UaMemory {
  bytes: number
  workers: number
}

/** Runs in the page: the browser's own memory attribution, workers included. */
async function measureUa(): Promise<UaMemory | undefined> {
  const perf = performance as unknown as {
    measureUserAgentSpecificMemory?: () => Promise<{
      bytes: number
      breakdown: Array<{ bytes: number; attribution: Array<{ scope?: string }> }>
    }>
  }
  if (!crossOriginIsolated || perf.measureUserAgentSpecificMemory === undefined) return undefined
  const m = await perf.measureUserAgentSpecificMemory()
  let workers = 0
  for (const b of m.breakdown) {
    if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) workers += b.bytes
  }
  return { bytes: m.bytes, workers }
}

class MemorySampler {
  readonly #cdp: CDPSession
  readonly #page: Page
  #timer: ReturnType<typeof setInterval> | undefined
  #samples: MemorySample[] = []
  #busy = false
  #ua: UaMemory[] = []
  #uaBusy = false

  private constructor(page: Page, cdp: CDPSession) {
    this.#page = page
    this.#cdp = cdp
  }

  static async attach(page: Page): Promise<MemorySampler> {
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    return new MemorySampler(page, cdp)
  }

  async sample(): Promise<MemorySample> {
    const usage = (await this.#cdp.send('Runtime.getHeapUsage')) as {
      usedSize: number
      backingStorageSize?: number
    }
    const { metrics } = await this.#cdp.send('Performance.getMetrics')
    const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
    return {
      heap: usage.usedSize,
      backing: usage.backingStorageSize ?? 0,
      jsHeapUsedSize: jsHeap,
    }
  }

  /** The slower browser-wide measurement, taken about once a second beside the CDP samples. */
  async sampleUa(): Promise<UaMemory | undefined> {
    return this.#page.evaluate(measureUa).catch(() => undefined)
  }

  /** Collects garbage, takes the baseline, then samples every SAMPLE_MS until stop(). */
  async start(): Promise<MemorySample> {
    await this.#cdp.send('HeapProfiler.collectGarbage')
    const ua = await this.sampleUa()
    const baseline = { ...(await this.sample()), uaTotal: ua?.bytes, uaWorkers: ua?.workers }
    this.#samples = [baseline]
    this.#ua = ua === undefined ? [] : [ua]
    let tick = 0
    this.#timer = setInterval(() => {
      if (!this.#busy) {
        this.#busy = true
        this.sample()
          .then((s) => this.#samples.push(s))
          .catch(() => {})
          .finally(() => (this.#busy = false))
      }
      if (ua !== undefined && tick++ % 4 === 0 && !this.#uaBusy) {
        this.#uaBusy = true
        this.sampleUa()
          .then((u) => u && this.#ua.push(u))
          .catch(() => {})
          .finally(() => (this.#uaBusy = false))
      }
    }, SAMPLE_MS)
    return baseline
  }

  stop(): MemoryFigures {
    clearInterval(this.#timer)
    const s = this.#samples
    const max = (f: (x: MemorySample) => number): number => Math.max(...s.map(f))
    const ua = this.#ua
    return {
      samples: s.length,
      baseline: s[0]!,
      peak: {
        heap: max((x) => x.heap),
        backing: max((x) => x.backing),
        total: max((x) => x.heap + x.backing),
        jsHeapUsedSize: max((x) => x.jsHeapUsedSize),
        ...(ua.length > 0
          ? {
              uaTotal: Math.max(...ua.map((u) => u.bytes)),
              uaWorkers: Math.max(...ua.map((u) => u.workers)),
            }
          : {}),
      },
    }
  }
}

// ---------------------------------------------------------------- peers

interface Peer {
  name: string
  page: Page
  peerId: string
}

async function openPeer(
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

async function waitForMesh(peers: Peer[], timeoutMs = 120_000): Promise<void> {
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

// ---------------------------------------------------------------- CPU profiles

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

/** Profiles each page's main thread between start() and the returned stop(). */
async function profilePages(pages: Array<[string, Page]>): Promise<() => Promise<void>> {
  const sessions = await Promise.all(
    pages.map(async ([name, page]) => {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
      await cdp.send('Profiler.start')
      return [name, cdp] as const
    }),
  )
  return async () => {
    for (const [name, cdp] of sessions) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: { nodes: ProfileNode[]; startTime: number; endTime: number }
      }
      const file = join(os.tmpdir(), `coffer-bench-${name}.cpuprofile`)
      await writeFile(file, JSON.stringify(profile))
      const self = new Map<string, number>()
      let total = 0
      for (const n of profile.nodes) {
        const hits = n.hitCount ?? 0
        total += hits
        const where = n.callFrame.url.split('/').pop() ?? ''
        const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
        self.set(key, (self.get(key) ?? 0) + hits)
      }
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)
      console.log(`\nCPU profile of ${name} (main thread, self time), saved to ${file}:`)
      for (const [key, hits] of top) {
        console.log(`  ${((100 * hits) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${key}`)
      }
    }
  }
}

// ---------------------------------------------------------------- page server

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.json': 'application/json',
}

/**
 * Serves the built bench page cross-origin isolated (COOP + COEP), which
 * performance.measureUserAgentSpecificMemory() requires; the pages still reach the relay
 * over WebSockets like the app does.
 */
async function servePage(dir: string, host: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      const file = normalize(join(dir, pathname))
      if (!file.startsWith(dir + sep) || !(await stat(file).catch(() => undefined))?.isFile()) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cache-control': 'no-cache',
      })
      createReadStream(file).pipe(res)
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((res) => server.listen(0, host, res))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no page server address')
  return { url: `http://${host}:${address.port}`, server }
}

// ---------------------------------------------------------------- run

async function buildPage(): Promise<void> {
  await build({
    root: benchDir,
    configFile: false,
    logLevel: 'warn',
    build: {
      target: 'es2023',
      outDir,
      emptyOutDir: true,
      minify: !PROFILE,
      rollupOptions: { input: join(benchDir, 'e2e.html') },
    },
    worker: { format: 'es' },
  })
}

const watchdog = setTimeout(() => {
  console.error('bench:e2e took too long; giving up')
  process.exit(1)
}, WATCHDOG_MS)
watchdog.unref()

const loadAtStart = os.loadavg()
let relay: RunningRelay | undefined
let pageServer: Server | undefined
const browsers: Browser[] = []
let lab: Lab | undefined
let labPeerRelay: RunningRelay | undefined
let labPageServer: Server | undefined
const dataDir = await mkdtemp(join(os.tmpdir(), 'coffer-bench-relay-'))
const labDir = await mkdtemp(join(os.tmpdir(), 'coffer-bench-lab-relay-'))
try {
  say('building the bench page')
  await buildPage()
  const names = [
    'owner',
    ...Array.from({ length: HOLDERS }, (_, i) => `holder${i + 1}`),
    'downloader',
  ]
  const startBenchRelay = (host: string, dir: string) =>
    startRelay(
      relayConfig([
        ...['--host', host, '--port', '0', '--data-dir', dir],
        ...['--identity', join(dir, 'identity.key')],
        ...['--max-reservations', '64', '--max-connections', '256'],
      ]),
    )
  const launch = async (executablePath: string, extra: string[] = []): Promise<Browser> => {
    const b = await chromium.launch({
      executablePath,
      // Bench only: measureUserAgentSpecificMemory() answers at once instead of after the next GC.
      args: [...BROWSER_ARGS, ...extra],
      headless: true,
    })
    browsers.push(b)
    return b
  }
  /** Opens the six peers of one co-op and waits until every pair is connected directly. */
  const openCoop = async (
    browserFor: (name: string) => Promise<Browser>,
    url: string,
    relayAddrs: string[],
  ) => {
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
  type OpenCoop = Awaited<ReturnType<typeof openCoop>>

  relay = await startBenchRelay('127.0.0.1', dataDir)
  const served = await servePage(outDir, '127.0.0.1')
  pageServer = served.server
  const shared = await launch(CHROMIUM)
  say(`relay ${relay.url}, page ${served.url}; opening ${HOLDERS + 2} peers`)
  const bare = await openCoop(() => Promise.resolve(shared), served.url, relay.multiaddrs)
  const { owner, holders, downloader, h1 } = bare

  // What six connected peers cost while nothing moves (discovery, pings, timers): every
  // step below pays this too.
  const stopIdleProfiles = PROFILE
    ? await profilePages([
        ['idle-owner', owner.page],
        ['idle-holder', holders[0]!.page],
      ])
    : undefined
  const idleCpu = cpuMeter()
  await new Promise((r) => setTimeout(r, IDLE_MS))
  const idle = idleCpu()
  await stopIdleProfiles?.()
  say(`idle co-op: ${Math.round(idle.busyShare * 100)}% of the machine busy`)

  const upMem = await MemorySampler.attach(owner.page)
  const downMem = await MemorySampler.attach(downloader.page)

  const loads: Record<string, number> = {}
  const failures: string[] = []
  const cpu: Record<string, CpuUse> = {}
  /** Runs one step, noting the load average before it and the CPU it used, and reports it. */
  const measured = async <T extends Timed>(
    step: string,
    label: string,
    run: () => Promise<T>,
  ): Promise<T> => {
    loads[step] = load()
    const done = cpuMeter()
    const t = await run()
    cpu[step] = done()
    say(`${label}: ${(t.ms / 1000).toFixed(1)} s, ${mbps(t).toFixed(1)} MB/s of the file`)
    return t
  }
  /**
   * The download comparison repeated: Coffer downloads the same file again, and bitswap fetches
   * a freshly added one (a block fetched once stays in the reader's blockstore). Returns every
   * pair, the first given, as MB/s.
   */
  /**
   * Seeds of the files bitswap fetches in the paired runs and the shaped profiles: a block once
   * fetched stays in the reader's blockstore, so no two fetches in one co-op may share a file.
   */
  let heliaSeed = 1000
  const pairedRuns = async (
    c: OpenCoop,
    size: number,
    first: { download: Timed; fetch: Timed; manifest: string; key: string },
    tag = '',
    repeat = REPEAT,
  ): Promise<PairedRun[]> => {
    const runs = [{ download: first.download, fetch: first.fetch }]
    const at = tag.replace(/\W+/g, '-')
    for (let i = 2; i <= repeat; i++) {
      const download = await measured(
        `coffer-download-${size / MiB}${at}-run-${i}`,
        `Coffer download ${size / MiB} MiB${tag}, run ${i}`,
        () =>
          c.downloader.page.evaluate((o) => window.benchPeer.download(o), {
            manifest: first.manifest,
            key: first.key,
            size,
          }),
      )
      const added = await c.h1.page.evaluate((o) => window.benchPeer.heliaAdd(o), {
        seed: heliaSeed++,
        size,
      })
      const fetch = await measured(
        `helia-fetch-${size / MiB}${at}-run-${i}`,
        `Helia bitswap fetch ${size / MiB} MiB${tag}, run ${i}`,
        () =>
          c.downloader.page.evaluate((o) => window.benchPeer.heliaCat(o), {
            cid: added.cid,
            size,
          }),
      )
      runs.push({ download, fetch })
    }
    return runs.map(({ download, fetch }) => ({
      download: mbps(download),
      bitswap: mbps(fetch),
      ratio: mbps(download) / mbps(fetch),
    }))
  }
  /**
   * One Coffer upload then download of `size` bytes. With `memory`, both pages are sampled
   * (CDP calls every 250 ms and a whole-page measurement each second cost CPU, so the speed
   * figures come from a run without sampling).
   */
  const coffer = async (
    c: OpenCoop,
    size: number,
    seed: number,
    memory: boolean,
    tag = '',
  ): Promise<{
    upload: UploadFigures
    download: DownloadFigures
    uploadMemory?: MemoryFigures
    downloadMemory?: MemoryFigures
  }> => {
    const label = `${size / MiB} MiB${memory ? ', memory sampled' : ''}${tag}`
    const step = `${size / MiB}${memory ? '-sampled' : ''}${tag.replace(/\W+/g, '-')}`
    if (memory) await upMem.start()
    loads[`coffer-upload-${step}`] = load()
    let cpuDone = cpuMeter()
    // A failed upload is reported and tried once more, so one bad moment does not void the run.
    const attempt = () =>
      c.owner.page.evaluate((o) => window.benchPeer.upload(o), {
        seed,
        size,
        holders: c.holderIds,
      })
    const upload = await attempt().catch(async (err: unknown) => {
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err)
      say(`Coffer upload ${label} FAILED, trying once more: ${message}`)
      failures.push(`upload ${label}: ${message}`)
      if (memory) {
        upMem.stop()
        await upMem.start()
      }
      cpuDone = cpuMeter()
      return attempt()
    })
    cpu[`coffer-upload-${step}`] = cpuDone()
    const uploadMemory = memory ? upMem.stop() : undefined
    for (const [what, count] of Object.entries(upload.problems)) {
      say(`  (retried elsewhere by the engine) ${count}× ${what}`)
    }
    say(
      `Coffer upload ${label}: ${(upload.ms / 1000).toFixed(1)} s, ${mbps(upload).toFixed(1)} MB/s`,
    )
    if (memory) await downMem.start()
    loads[`coffer-download-${step}`] = load()
    const downCpu = cpuMeter()
    const download = await c.downloader.page.evaluate((o) => window.benchPeer.download(o), {
      manifest: upload.manifest,
      key: upload.key,
      size,
    })
    cpu[`coffer-download-${step}`] = downCpu()
    const downloadMemory = memory ? downMem.stop() : undefined
    say(
      `Coffer download ${label}: ${(download.ms / 1000).toFixed(1)} s, ${mbps(download).toFixed(1)} MB/s`,
    )
    return {
      upload,
      download,
      ...(uploadMemory ? { uploadMemory } : {}),
      ...(downloadMemory ? { downloadMemory } : {}),
    }
  }

  /** A Coffer upload whose parity shards the holders build (the owner sends k of n). */
  const buildUpload = (c: OpenCoop, size: number, seed: number, step: string, tag = '') =>
    measured(step, `Coffer upload, holders build the parity shards${tag}`, () =>
      c.owner.page.evaluate((o) => window.benchPeer.upload(o), {
        seed,
        size,
        holders: c.holderIds,
        build: true,
      }),
    )

  const stopProfiles = PROFILE
    ? await profilePages([
        ['owner', owner.page],
        ['holder1', h1.page],
        ['downloader', downloader.page],
      ])
    : undefined
  const main = await coffer(bare, SIZE, 1, false)
  await stopProfiles?.()
  const built = await buildUpload(bare, SIZE, 7, `coffer-upload-built-${SIZE / MiB}`)

  const heliaAdd = await measured('helia-add', 'Helia add', () =>
    h1.page.evaluate((o) => window.benchPeer.heliaAdd(o), { seed: 1, size: SIZE }),
  )
  const heliaFetch = await measured('helia-fetch', 'Helia bitswap fetch', () =>
    downloader.page.evaluate((o) => window.benchPeer.heliaCat(o), {
      cid: heliaAdd.cid,
      size: SIZE,
    }),
  )
  const raw = await measured('raw-stream', 'raw stream', () =>
    owner.page.evaluate((o) => window.benchPeer.rawSend(o), {
      peer: h1.peerId,
      seed: 1,
      size: SIZE,
    }),
  )

  // The same traffic shapes as Coffer's, without Coffer: four holders each stream a quarter
  // of the file to the downloader at once; the owner streams half of the file to each of the
  // four holders at once (n/k = 2: the shard bytes of an upload).
  const parallel = async (sends: Array<[Page, string, number]>, bytes = SIZE): Promise<Timed> => {
    const started = Date.now()
    await Promise.all(
      sends.map(([page, peer, size], i) =>
        page.evaluate((o) => window.benchPeer.rawSend(o), { peer, seed: 10 + i, size }),
      ),
    )
    return { ms: Date.now() - started, bytes }
  }
  const fanIn = await measured('raw-fan-in', 'raw fan-in', () =>
    parallel(
      holders.map((h): [Page, string, number] => [h.page, downloader.peerId, SIZE / HOLDERS]),
    ),
  )
  const fanOut = await measured('raw-fan-out', 'raw fan-out', () =>
    parallel(
      holders.map((h): [Page, string, number] => [owner.page, h.peerId, (2 * SIZE) / HOLDERS]),
    ),
  )

  const barePairs = await pairedRuns(bare, SIZE, {
    download: main.download,
    fetch: heliaFetch,
    manifest: main.upload.manifest,
    key: main.upload.key,
  })

  const sampled = await coffer(bare, SIZE, 3, true)
  const large = LARGE > 0 ? await coffer(bare, LARGE, 2, true) : undefined
  const version = shared.version()
  const userAgent = await owner.page.evaluate(() => navigator.userAgent)
  for (const p of bare.all) await p.page.evaluate(() => window.benchPeer.stop()).catch(() => {})
  await shared.close()

  // The main steps again with the lab's links shaped, as on separate connections.
  interface ProfileRun {
    profile: LabProfile
    upload: UploadFigures
    built: UploadFigures
    download: DownloadFigures
    /** The bitswap fetch and the paired runs, when the profile has them. */
    bitswap?: { fetch: Timed; pairs: PairedRun[] }
    raw: Timed
    fanIn: Timed
    fanOut: Timed
    steps: Record<'upload' | 'built' | 'download' | 'helia' | 'raw' | 'fanIn' | 'fanOut', string>
  }
  const profileRuns: ProfileRun[] = []
  /** A bitswap fetch of a file of `size` bytes, then the paired runs against Coffer's `c`. */
  const compareBitswap = async (
    lc: OpenCoop,
    c: { upload: UploadFigures; download: DownloadFigures },
    size: number,
    tag: string,
    at: string,
    repeat: number,
  ): Promise<{ fetch: Timed; pairs: PairedRun[] }> => {
    const added = await lc.h1.page.evaluate((o) => window.benchPeer.heliaAdd(o), {
      seed: heliaSeed++,
      size,
    })
    const fetch = await measured(`helia-fetch${at}`, `Helia bitswap fetch${tag}`, () =>
      lc.downloader.page.evaluate((o) => window.benchPeer.heliaCat(o), {
        cid: added.cid,
        size,
      }),
    )
    const pairs = await pairedRuns(
      lc,
      size,
      { download: c.download, fetch, manifest: c.upload.manifest, key: c.upload.key },
      tag,
      repeat,
    )
    return { fetch, pairs }
  }
  const runProfile = async (lc: OpenCoop, profile: LabProfile): Promise<ProfileRun> => {
    const { at, size } = profile
    const tag = `, ${profile.tag}`
    const c = await coffer(lc, size, 4, false, tag)
    const builtShaped = await buildUpload(lc, size, 8, `coffer-upload-built${at}`, tag)
    const rawShaped = await measured(`raw-stream${at}`, `raw stream${tag}`, () =>
      lc.owner.page.evaluate((o) => window.benchPeer.rawSend(o), {
        peer: lc.h1.peerId,
        seed: 4,
        size,
      }),
    )
    const fanInShaped = await measured(`raw-fan-in${at}`, `raw fan-in${tag}`, () =>
      parallel(
        lc.holders.map((h): [Page, string, number] => [
          h.page,
          lc.downloader.peerId,
          size / HOLDERS,
        ]),
        size,
      ),
    )
    const fanOutShaped = await measured(`raw-fan-out${at}`, `raw fan-out${tag}`, () =>
      parallel(
        lc.holders.map((h): [Page, string, number] => [
          lc.owner.page,
          h.peerId,
          (2 * size) / HOLDERS,
        ]),
        size,
      ),
    )
    const bitswap = profile.bitswap
      ? await compareBitswap(lc, c, size, tag, at, profile.repeat)
      : undefined
    const step = `${size / MiB}${tag.replace(/\W+/g, '-')}`
    return {
      profile,
      ...(bitswap ? { bitswap } : {}),
      upload: c.upload,
      built: builtShaped,
      download: c.download,
      raw: rawShaped,
      fanIn: fanInShaped,
      fanOut: fanOutShaped,
      steps: {
        upload: `coffer-upload-${step}`,
        built: `coffer-upload-built${at}`,
        download: `coffer-download-${step}`,
        helia: `helia-fetch${at}`,
        raw: `raw-stream${at}`,
        fanIn: `raw-fan-in${at}`,
        fanOut: `raw-fan-out${at}`,
      },
    }
  }
  // A second co-op for the shaped steps: each peer its own browser in its own namespace.
  let labSkipped =
    LAB_PROFILES.length > 0 ? '' : 'BENCH_E2E_UPLINK_MBIT=0 and BENCH_E2E_PATH_MBIT=0'
  if (LAB_PROFILES.length > 0) {
    const opened = openLab(names, CHROMIUM)
    if ('unavailable' in opened) labSkipped = opened.unavailable
    else lab = opened
  }
  if (labSkipped) say(`no per-member link steps (${labSkipped})`)
  if (lab) {
    const labRelay = await startBenchRelay(lab.hostIp, labDir)
    labPeerRelay = labRelay
    const labServed = await servePage(outDir, lab.hostIp)
    labPageServer = labServed.server
    // Inside each namespace the relay and the page are reached as 127.0.0.1, as a member's own
    // `npm start` is (the app dials plain ws:// only on localhost).
    await lab.forward([labRelay.port, Number(new URL(labServed.url).port)])
    const local = (a: string) => a.replace(`/ip4/${lab!.hostIp}/`, '/ip4/127.0.0.1/')
    say(`lab co-op: ${HOLDERS + 2} peers, each in its own browser and network namespace`)
    // Peers in other namespaces could not resolve each other's mDNS host candidates; the
    // shared Chromium arguments already turn them off.
    const lc = await openCoop(
      (name) => launch(lab!.browserFor(name)),
      `http://127.0.0.1:${new URL(labServed.url).port}`,
      labRelay.multiaddrs.map(local),
    )
    for (const profile of LAB_PROFILES) {
      lab.limitUplinks(profile.shape)
      say(`links shaped: ${profile.tag}`)
      try {
        profileRuns.push(await runProfile(lc, profile))
      } finally {
        lab.limitUplinks(undefined)
      }
    }
    for (const p of lc.all) await p.page.evaluate(() => window.benchPeer.stop()).catch(() => {})
  }

  const poolSize = main.upload.poolSize

  // ---------------------------------------------------------------- table
  const rows: Array<[string, Timed, string]> = [
    [
      'Coffer upload-to-complete (encode in workers, store to 4 holders, all receipts)',
      main.upload,
      `coffer-upload-${SIZE / MiB}`,
    ],
    [
      'Coffer upload, holders build the parity shards (owner sends k of n)',
      built,
      `coffer-upload-built-${SIZE / MiB}`,
    ],
    [
      'Coffer download (find holders, k shards/stripe in parallel, verify, decode, decrypt)',
      main.download,
      `coffer-download-${SIZE / MiB}`,
    ],
    [
      'Helia UnixFS add (unencrypted, one peer, 1 MiB raw leaves, IndexedDB)',
      heliaAdd,
      'helia-add',
    ],
    ['Helia bitswap fetch (cat from another peer)', heliaFetch, 'helia-fetch'],
    ['one raw libp2p stream over direct WebRTC', raw, 'raw-stream'],
    ['raw streams, 4 holders → downloader, ¼ file each (download shape)', fanIn, 'raw-fan-in'],
    ['raw streams, owner → 4 holders, ½ file each (upload shape, n/k = 2)', fanOut, 'raw-fan-out'],
    ['Coffer upload, pages memory-sampled', sampled.upload, `coffer-upload-${SIZE / MiB}-sampled`],
    [
      'Coffer download, pages memory-sampled',
      sampled.download,
      `coffer-download-${SIZE / MiB}-sampled`,
    ],
  ]
  if (large) {
    rows.push(
      [
        `Coffer upload ${LARGE / MiB} MiB, memory-sampled`,
        large.upload,
        `coffer-upload-${LARGE / MiB}-sampled`,
      ],
      [
        `Coffer download ${LARGE / MiB} MiB, memory-sampled`,
        large.download,
        `coffer-download-${LARGE / MiB}-sampled`,
      ],
    )
  }
  const sizeTag = (r: ProfileRun) => `(${r.profile.tag}, ${r.profile.size / MiB} MiB)`
  for (const r of profileRuns) {
    const u = sizeTag(r)
    rows.push(
      [`Coffer upload-to-complete ${u}`, r.upload, r.steps.upload],
      [`Coffer upload, holders build the parity shards ${u}`, r.built, r.steps.built],
      [`Coffer download ${u}`, r.download, r.steps.download],
      ...(r.bitswap
        ? [[`Helia bitswap fetch ${u}`, r.bitswap.fetch, r.steps.helia] as [string, Timed, string]]
        : []),
      [`one raw libp2p stream ${u}`, r.raw, r.steps.raw],
      [`raw streams, download shape ${u}`, r.fanIn, r.steps.fanIn],
      [`raw streams, upload shape ${u}`, r.fanOut, r.steps.fanOut],
    )
  }
  const profileRatios = profileRuns.map((r) => ({
    run: r,
    ratios: {
      ...(r.bitswap
        ? {
            downloadOverBitswap: median(r.bitswap.pairs.map((p) => p.ratio)),
            downloadOverBitswapFirstRun: mbps(r.download) / mbps(r.bitswap.fetch),
          }
        : {}),
      uploadOverRawStream: mbps(r.upload) / mbps(r.raw),
      buildUploadOverRawStream: mbps(r.built) / mbps(r.raw),
    },
  }))
  const ratios = {
    downloadOverBitswap: median(barePairs.map((p) => p.ratio)),
    downloadOverBitswapFirstRun: mbps(main.download) / mbps(heliaFetch),
    uploadOverRawStream: mbps(main.upload) / mbps(raw),
    buildUploadOverRawStream: mbps(built) / mbps(raw),
    downloadOverRawStream: mbps(main.download) / mbps(raw),
  }
  const runs = `median of ${REPEAT} paired runs`
  const ratioRows: Array<[string, number, number | undefined]> = [
    [`Coffer download / Helia bitswap fetch, ${runs} (goal ≥ 2)`, ratios.downloadOverBitswap, 2],
    [
      'Coffer download / Helia bitswap fetch, first run',
      ratios.downloadOverBitswapFirstRun,
      undefined,
    ],
    ['Coffer upload-to-complete / raw single stream (goal ≥ 1)', ratios.uploadOverRawStream, 1],
    [
      'Coffer upload, holders build the parity shards / raw single stream',
      ratios.buildUploadOverRawStream,
      undefined,
    ],
    ['Coffer download / raw single stream', ratios.downloadOverRawStream, undefined],
  ]
  for (const { run, ratios: pr } of profileRatios) {
    const u = sizeTag(run)
    if (pr.downloadOverBitswap !== undefined && pr.downloadOverBitswapFirstRun !== undefined) {
      const pairs = run.bitswap?.pairs.length ?? 1
      ratioRows.push([
        `Coffer download / Helia bitswap fetch ${u}, ${pairs > 1 ? `median of ${pairs} paired runs` : 'one run'} (goal ≥ 2)`,
        pr.downloadOverBitswap,
        2,
      ])
      if (pairs > 1) {
        ratioRows.push([
          `Coffer download / Helia bitswap fetch ${u}, first run`,
          pr.downloadOverBitswapFirstRun,
          undefined,
        ])
      }
    }
    ratioRows.push(
      [`Coffer upload / raw single stream ${u} (goal ≥ 1)`, pr.uploadOverRawStream, 1],
      [
        `Coffer upload, holders build the parity shards / raw single stream ${u}`,
        pr.buildUploadOverRawStream,
        undefined,
      ],
    )
  }
  const width = Math.max(...rows.map((r) => r[0].length), ...ratioRows.map((r) => r[0].length))
  const f = (v: number, d = 1, w = 7): string => v.toFixed(d).padStart(w)
  console.log(
    `\nCoffer end-to-end benchmark — ${SIZE / MiB} MiB random file, k=${DEFAULT_K} n=${DEFAULT_N}, ` +
      `${HOLDERS} holder peers, Chromium ${version}, ${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}`,
  )
  console.log(`${'measurement'.padEnd(width)}   time s    MB/s  CPU s/MB  busy`)
  console.log(`${'-'.repeat(width)}  -------  ------  --------  ----`)
  for (const [label, t, step] of rows) {
    const c = cpu[step]
    const perMb = c === undefined ? '       –' : f(c.busySeconds / (t.bytes / 1e6), 2, 8)
    const busy = c === undefined ? '   –' : `${Math.round(c.busyShare * 100)}%`.padStart(4)
    console.log(`${label.padEnd(width)}  ${f(t.ms / 1000)} ${f(mbps(t), 1, 7)}  ${perMb}  ${busy}`)
  }
  console.log(`${'-'.repeat(width)}  -------  ------  --------  ----`)
  for (const [label, v, goal] of ratioRows) {
    const verdict = goal === undefined ? '' : v >= goal ? '  (met)' : '  (NOT met)'
    console.log(`${label.padEnd(width)}  ${f(v, 2, 16)}${verdict}`)
  }

  const pairLine = (p: PairedRun[]): string =>
    p.map((r) => `${r.download.toFixed(1)}/${r.bitswap.toFixed(1)}`).join(', ')
  console.log(`paired runs, Coffer download / bitswap MB/s: ${pairLine(barePairs)}`)
  for (const r of profileRuns) {
    if (r.bitswap) console.log(`paired runs ${sizeTag(r)}: ${pairLine(r.bitswap.pairs)}`)
  }

  const memRows: Array<[string, MemoryFigures]> = [
    [`uploading page, ${SIZE / MiB} MiB`, sampled.uploadMemory!],
    [`downloading page, ${SIZE / MiB} MiB`, sampled.downloadMemory!],
  ]
  if (large) {
    memRows.push([`uploading page, ${LARGE / MiB} MiB`, large.uploadMemory!])
    memRows.push([`downloading page, ${LARGE / MiB} MiB`, large.downloadMemory!])
  }
  const m = (b: number | undefined): string => (b === undefined ? '     –' : f(b / MiB, 0, 6))
  console.log(
    `\nPeak memory, MiB. Main thread: V8 heap + ArrayBuffer backing stores (CDP Runtime.getHeapUsage, ` +
      `every ${SAMPLE_MS} ms, baseline after a forced GC). Whole page incl. workers: ` +
      `performance.measureUserAgentSpecificMemory() about once a second.`,
  )
  const mw = Math.max(...memRows.map((r) => r[0].length))
  console.log(
    `${'page, file'.padEnd(mw)}  before   heap  buffers  total  growth | page+workers  workers`,
  )
  for (const [label, mf] of memRows) {
    const before = mf.baseline.heap + mf.baseline.backing
    console.log(
      `${label.padEnd(mw)}  ${m(before)} ${m(mf.peak.heap)}  ${m(mf.peak.backing)}   ${m(mf.peak.total)}  ` +
        `${m(mf.peak.total - before)} |       ${m(mf.peak.uaTotal)}   ${m(mf.peak.uaWorkers)}`,
    )
  }
  console.log(
    `\nEngines: src/engine/upload/upload-file.ts uploadFile and src/engine/download/download-engine.ts openDownload ` +
      `(default settings), worker pool of ${poolSize}; sink discards (the engine checks the whole-file SHA-256). ` +
      `MB = 10^6 bytes of the plaintext file. One sample each, except the paired download runs. CPU s/MB: busy CPU time of the ` +
      `whole machine (all pages, workers, browser and network processes, relay; /proc/stat) per MB ` +
      `of the file; busy: share of both cores in use during the step ` +
      `(${Math.round(idle.busyShare * 100)}% with the co-op connected and idle). ` +
      `Load average ${loadAtStart[0]!.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores ` +
      `(other work shares this machine); ${((Date.now() - t0) / 1000).toFixed(0)} s in all.`,
  )

  for (const f of failures) console.log(`failed attempt (retried): ${f}`)

  const timed = (t: Timed) => ({ seconds: round(t.ms / 1000, 2), mbPerSec: round(mbps(t), 2) })
  const memJson = (mf: MemoryFigures) => ({
    samples: mf.samples,
    baselineBytes: mf.baseline,
    peakBytes: mf.peak,
    growthBytes: mf.peak.total - (mf.baseline.heap + mf.baseline.backing),
  })
  const json = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg(),
      loadAverageBeforeEachStep: loads,
    },
    chromium: { version, userAgent, args: BROWSER_ARGS, headless: true },
    settings: {
      fileBytes: SIZE,
      largeFileBytes: LARGE,
      holders: HOLDERS,
      k: DEFAULT_K,
      n: DEFAULT_N,
      workerPoolSize: poolSize,
      heliaImport: "@helia/unixfs addByteStream, profile 'unixfs-v1-2025' (1 MiB raw leaves)",
      rawStreamChunkBytes: 64 * 1024,
      engines: {
        upload: 'src/engine/upload/upload-file.ts uploadFile',
        download: 'src/engine/download/download-engine.ts openDownload',
      },
      sink: 'discard (the engine verifies the whole-file SHA-256)',
      contexts: 'one Chromium, six incognito contexts (IndexedDB in memory)',
      labProfiles:
        profileRuns.length > 0
          ? Object.fromEntries(
              profileRuns.map(({ profile }) => [
                profile.key,
                {
                  ...profile.shape,
                  fileBytes: profile.size,
                  how: `a second co-op: one Chromium per peer, each in its own network namespace joined by a bridge; ${profile.how}`,
                },
              ]),
            )
          : `not run: ${labSkipped}`,
    },
    unit: 'MB/s = 10^6 bytes of the plaintext file per second',
    figures: {
      cofferUpload: {
        ...timed(main.upload),
        safe: main.upload.safe,
        receipts: main.upload.receipts,
        failedCalls: main.upload.problems,
        shardsPerHolder: main.upload.holders,
      },
      cofferUploadHoldersBuild: { ...timed(built), shardsBuiltByHolders: built.built },
      cofferDownload: timed(main.download),
      heliaAdd: timed(heliaAdd),
      heliaBitswapFetch: timed(heliaFetch),
      heliaAddPlusFetch: timed({ ms: heliaAdd.ms + heliaFetch.ms, bytes: SIZE }),
      rawStream: timed(raw),
      rawFanIn: timed(fanIn),
      rawFanOut: timed(fanOut),
      cofferUploadSampled: timed(sampled.upload),
      cofferDownloadSampled: timed(sampled.download),
      downloadPairs: barePairs.map(roundPair),
      ...(large
        ? { cofferUploadLarge: timed(large.upload), cofferDownloadLarge: timed(large.download) }
        : {}),
      ...Object.fromEntries(
        profileRuns.map((r) => [
          r.profile.key,
          {
            cofferUpload: { ...timed(r.upload), shardsPerHolder: r.upload.holders },
            cofferUploadHoldersBuild: { ...timed(r.built), shardsBuiltByHolders: r.built.built },
            cofferDownload: timed(r.download),
            rawStream: timed(r.raw),
            rawFanIn: timed(r.fanIn),
            rawFanOut: timed(r.fanOut),
            ...(r.bitswap
              ? {
                  heliaBitswapFetch: timed(r.bitswap.fetch),
                  downloadPairs: r.bitswap.pairs.map(roundPair),
                }
              : {}),
          },
        ]),
      ),
    },
    cpu: {
      measured:
        'busy CPU seconds of the whole machine during each step (/proc/stat: user+nice+system+irq+softirq+steal), ' +
        'per MB of the plaintext file; busyShare = busy / all CPU time of the step',
      idleBusyShare: round(idle.busyShare, 2),
      steps: Object.fromEntries(
        rows.map(([, t, step]) => {
          const c = cpu[step]
          return [
            step,
            c === undefined
              ? null
              : {
                  busySeconds: round(c.busySeconds, 1),
                  cpuSecondsPerMB: round(c.busySeconds / (t.bytes / 1e6), 3),
                  busyShare: round(c.busyShare, 2),
                },
          ]
        }),
      ),
    },
    ratios: {
      ...Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 2)])),
      ...Object.fromEntries(
        profileRatios.map(({ run, ratios: pr }) => [
          run.profile.key,
          Object.fromEntries(Object.entries(pr).map(([k, v]) => [k, round(v, 2)])),
        ]),
      ),
    },
    memory: {
      measured:
        'main thread of the page: V8 heap (Runtime.getHeapUsage usedSize) + ArrayBuffer backing stores (backingStorageSize), ' +
        `sampled every ${SAMPLE_MS} ms after a forced GC baseline; also Performance.getMetrics JSHeapUsedSize; ` +
        'whole page with its dedicated workers: performance.measureUserAgentSpecificMemory() (cross-origin isolated page, ' +
        '--enable-blink-features=ForceEagerMeasureMemory) about once a second; uaWorkers = bytes attributed to DedicatedWorkerGlobalScope',
      [`upload${SIZE / MiB}MiB`]: memJson(sampled.uploadMemory!),
      [`download${SIZE / MiB}MiB`]: memJson(sampled.downloadMemory!),
      ...(large
        ? {
            [`upload${LARGE / MiB}MiB`]: memJson(large.uploadMemory!),
            [`download${LARGE / MiB}MiB`]: memJson(large.downloadMemory!),
          }
        : {}),
    },
    failedAttempts: failures,
    totalSeconds: round((Date.now() - t0) / 1000, 0),
  }
  // Only a run of the published shape replaces the committed figures.
  const official = SIZE === 64 * MiB && LARGE === 256 * MiB && !PROFILE
  const target = official
    ? fileURLToPath(resultsFile)
    : join(os.tmpdir(), `coffer-bench-e2e-${SIZE / MiB}-${LARGE / MiB}.json`)
  await mkdir(join(target, '..'), { recursive: true })
  await writeFile(target, JSON.stringify(json, null, 2) + '\n')
  console.log(
    `saved ${target}${official ? '' : ' (non-default sizes or profiling: results/e2e.json untouched)'}`,
  )
} finally {
  for (const b of browsers) await b.close().catch(() => {})
  lab?.close()
  await relay?.stop()
  await labPeerRelay?.stop()
  for (const server of [pageServer, labPageServer]) {
    await new Promise((res) => (server ? server.close(res) : res(undefined)))
  }
  await rm(dataDir, { recursive: true, force: true })
  await rm(labDir, { recursive: true, force: true })
  clearTimeout(watchdog)
}

function roundPair(p: PairedRun): PairedRun {
  return { download: round(p.download, 2), bitswap: round(p.bitswap, 2), ratio: round(p.ratio, 2) }
}

function round(v: number, digits = 1): number {
  return Number(v.toFixed(digits))
}

/** A relay configuration from flags, as `coffer-relay` would read them. */
function relayConfig(argv: string[]): RelayConfig {
  const parsed = parseConfig(argv)
  if (parsed.help) throw new Error('unexpected --help')
  return parsed.config
}
