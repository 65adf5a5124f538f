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
// BENCH_E2E_UPLINK_MIB (default 64, the size) file, each peer in its own Chromium and
// network namespace (test/bench/lab.ts): one machine's loopback has no per-member uplink, so
// the bare figures cannot show what spreading shards over many members buys. The same co-op
// then repeats them with every path between two peers limited to BENCH_E2E_PATH_MBIT (default
// 2.5; 0 skips) under uplinks of BENCH_E2E_PATH_UPLINK_MBIT (default 10), BENCH_E2E_PATH_MIB
// (default 64) file: one connection is then limited by its path, not by the sender's uplink,
// the case the upload goal's parallel connections are for. There the bitswap comparison runs
// BENCH_E2E_PATH_REPEAT times (default 1: one fetch takes minutes; BENCH_E2E_PATH_BITSWAP=0
// leaves it out).
import '../../src/core/polyfills.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import type { RunningRelay } from '../../relay/relay.ts'
import { bareBaselines, pairedRuns } from './e2e-baselines.ts'
import { say } from './e2e-clock.ts'
import { buildUpload, cofferRun } from './e2e-coffer.ts'
import { cpuMeter } from './e2e-cpu.ts'
import { profilePages } from './e2e-cpu-profile.ts'
import { goalRatios, tableRows } from './e2e-figures.ts'
import { runProfile, type ProfileRun } from './e2e-lab-run.ts'
import { MemorySampler } from './e2e-memory.ts'
import { openCoop } from './e2e-peers.ts'
import { printReport } from './e2e-report.ts'
import { saveResults } from './e2e-results.ts'
import {
  BROWSER_ARGS,
  CHROMIUM,
  HOLDERS,
  IDLE_MS,
  LAB_PROFILES,
  LARGE,
  MiB,
  outDir,
  PROFILE,
  SIZE,
  WATCHDOG_MS,
} from './e2e-settings.ts'
import { buildPage, servePage, startBenchRelay } from './e2e-setup.ts'
import { Steps } from './e2e-steps.ts'
import { openLab, type Lab } from './lab.ts'

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

  const mem = {
    up: await MemorySampler.attach(owner.page),
    down: await MemorySampler.attach(downloader.page),
  }
  const steps = new Steps()

  const stopProfiles = PROFILE
    ? await profilePages([
        ['owner', owner.page],
        ['holder1', h1.page],
        ['downloader', downloader.page],
      ])
    : undefined
  const main = await cofferRun(steps, mem, bare, SIZE, 1, false)
  await stopProfiles?.()
  const built = await buildUpload(steps, bare, SIZE, 7, `coffer-upload-built-${SIZE / MiB}`)
  const baselines = await bareBaselines(steps, bare)
  const barePairs = await pairedRuns(steps, bare, SIZE, {
    download: main.download,
    fetch: baselines.heliaFetch,
    manifest: main.upload.manifest,
    key: main.upload.key,
  })

  const sampled = await cofferRun(steps, mem, bare, SIZE, 3, true)
  const large = LARGE > 0 ? await cofferRun(steps, mem, bare, LARGE, 2, true) : undefined
  const version = shared.version()
  const userAgent = await owner.page.evaluate(() => navigator.userAgent)
  for (const p of bare.all) await p.page.evaluate(() => window.benchPeer.stop()).catch(() => {})
  await shared.close()

  // The main steps again with the lab's links shaped, as on separate connections.
  const profileRuns: ProfileRun[] = []
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
        profileRuns.push(await runProfile(steps, mem, lc, profile))
      } finally {
        lab.limitUplinks(undefined)
      }
    }
    for (const p of lc.all) await p.page.evaluate(() => window.benchPeer.stop()).catch(() => {})
  }

  const figures = {
    main,
    built,
    ...baselines,
    sampled,
    large,
    barePairs,
    profileRuns,
    steps,
    idle,
    version,
    userAgent,
    loadAtStart,
    labSkipped,
  }
  const rows = tableRows(figures)
  const goal = goalRatios(figures)
  printReport(figures, rows, goal)
  await saveResults(figures, rows, goal)
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
