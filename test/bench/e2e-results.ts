// The figures of a run as JSON: results/e2e.json for a run of the published shape.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_K, DEFAULT_N } from '../../src/core/constants.ts'
import type { PairedRun } from './e2e-baselines.ts'
import { mbps, round, t0 } from './e2e-clock.ts'
import type { GoalRatios, Row, RunFigures } from './e2e-figures.ts'
import type { MemoryFigures } from './e2e-memory.ts'
import type { Timed } from './e2e-page.ts'
import { machine } from './machine.ts'
import {
  BROWSER_ARGS,
  HOLDERS,
  LARGE,
  MiB,
  PROFILE,
  resultsFile,
  SAMPLE_MS,
  SIZE,
} from './e2e-settings.ts'

function roundPair(p: PairedRun): PairedRun {
  return { download: round(p.download, 2), bitswap: round(p.bitswap, 2), ratio: round(p.ratio, 2) }
}

export async function saveResults(fig: RunFigures, rows: Row[], goal: GoalRatios): Promise<void> {
  const { main, built, heliaAdd, heliaFetch, raw, fanIn, fanOut, sampled, large } = fig
  const { barePairs, profileRuns, steps, idle, version, userAgent, loadAtStart, labSkipped } = fig
  const { ratios, profileRatios } = goal
  const { cpu, loads, failures } = steps
  const poolSize = main.upload.poolSize
  const timed = (t: Timed) => ({ seconds: round(t.ms / 1000, 2), mbPerSec: round(mbps(t), 2) })
  const memJson = (mf: MemoryFigures) => ({
    samples: mf.samples,
    baselineBytes: mf.baseline,
    peakBytes: mf.peak,
    growthBytes: mf.peak.total - (mf.baseline.heap + mf.baseline.backing),
  })
  const json = {
    date: new Date().toISOString(),
    machine: { ...machine(loadAtStart), loadAverageBeforeEachStep: loads },
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
}
