// The table a run prints: every step's time, rate and CPU, the goal ratios, peak memory.
import os from 'node:os'
import type { PairedRun } from './e2e-baselines.ts'
import { mbps, t0 } from './e2e-clock.ts'
import { sizeTag, type GoalRatios, type Row, type RunFigures } from './e2e-figures.ts'
import type { MemoryFigures } from './e2e-memory.ts'
import { DEFAULT_K, DEFAULT_N } from '../../src/core/constants.ts'
import { HOLDERS, LARGE, MiB, REPEAT, SAMPLE_MS, SIZE } from './e2e-settings.ts'

export function printReport(fig: RunFigures, rows: Row[], goal: GoalRatios): void {
  const { sampled, large, profileRuns, barePairs, version, idle, loadAtStart, steps } = fig
  const { ratios, profileRatios } = goal
  const cpu = steps.cpu
  const poolSize = fig.main.upload.poolSize
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

  for (const f of steps.failures) console.log(`failed attempt (retried): ${f}`)
}
