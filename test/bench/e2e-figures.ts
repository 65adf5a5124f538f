// Everything one run measured, and the table rows and ratios derived from it.
import type { PairedRun } from './e2e-baselines.ts'
import { mbps } from './e2e-clock.ts'
import type { cofferRun } from './e2e-coffer.ts'
import type { CpuUse } from './e2e-cpu.ts'
import type { ProfileRun } from './e2e-lab-run.ts'
import type { Timed, UploadFigures } from './e2e-page.ts'
import { LARGE, MiB, SIZE } from './e2e-settings.ts'
import type { Steps } from './e2e-steps.ts'
import { median } from './stats.ts'

export type CofferRun = Awaited<ReturnType<typeof cofferRun>>

export interface RunFigures {
  main: CofferRun
  built: UploadFigures
  heliaAdd: Timed
  heliaFetch: Timed
  raw: Timed
  fanIn: Timed
  fanOut: Timed
  sampled: CofferRun
  large: CofferRun | undefined
  barePairs: PairedRun[]
  profileRuns: ProfileRun[]
  steps: Steps
  /** CPU of the connected co-op doing nothing. */
  idle: CpuUse
  version: string
  userAgent: string
  loadAtStart: number[]
  /** Why the lab steps did not run, or ''. */
  labSkipped: string
}

/** A table row: label, figure, the step its CPU use is filed under. */
export type Row = [string, Timed, string]

export const sizeTag = (r: ProfileRun): string => `(${r.profile.tag}, ${r.profile.size / MiB} MiB)`

/** The rows of the table, one per timed step. */
export function tableRows(f: RunFigures): Row[] {
  const { main, built, heliaAdd, heliaFetch, raw, fanIn, fanOut, sampled, large, profileRuns } = f
  const rows: Row[] = [
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
  return rows
}

/** The goal ratios, of the bare co-op and of each lab profile. */
export function goalRatios(f: RunFigures) {
  const { main, built, heliaFetch, raw, barePairs, profileRuns } = f
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
  return { ratios, profileRatios }
}
export type GoalRatios = ReturnType<typeof goalRatios>
