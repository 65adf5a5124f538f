// The main steps on the lab co-op (each peer in its own browser and network namespace), under
// one shaping of its links.
import type { Page } from 'playwright-core'
import { compareBitswap, parallel, type PairedRun } from './e2e-baselines.ts'
import { buildUpload, cofferRun } from './e2e-coffer.ts'
import type { MemorySampler } from './e2e-memory.ts'
import type { DownloadFigures, Timed, UploadFigures } from './e2e-page.ts'
import type { OpenCoop } from './e2e-peers.ts'
import { HOLDERS, MiB, type LabProfile } from './e2e-settings.ts'
import type { Steps } from './e2e-steps.ts'

export interface ProfileRun {
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

/** The main steps again on the lab co-op, under one shaping of its links. */
export async function runProfile(
  steps: Steps,
  mem: { up: MemorySampler; down: MemorySampler },
  lc: OpenCoop,
  profile: LabProfile,
): Promise<ProfileRun> {
  const { at, size } = profile
  const tag = `, ${profile.tag}`
  const c = await cofferRun(steps, mem, lc, size, 4, false, tag)
  const builtShaped = await buildUpload(steps, lc, size, 8, `coffer-upload-built${at}`, tag)
  const rawShaped = await steps.measured(`raw-stream${at}`, `raw stream${tag}`, () =>
    lc.owner.page.evaluate((o) => window.benchPeer.rawSend(o), {
      peer: lc.h1.peerId,
      seed: 4,
      size,
    }),
  )
  const fanInShaped = await steps.measured(`raw-fan-in${at}`, `raw fan-in${tag}`, () =>
    parallel(
      lc.holders.map((h): [Page, string, number] => [h.page, lc.downloader.peerId, size / HOLDERS]),
      size,
    ),
  )
  const fanOutShaped = await steps.measured(`raw-fan-out${at}`, `raw fan-out${tag}`, () =>
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
    ? await compareBitswap(steps, lc, c, size, tag, at, profile.repeat)
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
