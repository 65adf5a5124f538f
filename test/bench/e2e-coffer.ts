// Coffer's own steps: one upload then download through the app's engines, and an upload whose
// parity shards the holders build.
import { cpuMeter } from './e2e-cpu.ts'
import { load, mbps, say } from './e2e-clock.ts'
import type { MemoryFigures, MemorySampler } from './e2e-memory.ts'
import type { DownloadFigures, UploadFigures } from './e2e-page.ts'
import type { OpenCoop } from './e2e-peers.ts'
import { MiB } from './e2e-settings.ts'
import type { Steps } from './e2e-steps.ts'

/**
 * One Coffer upload then download of `size` bytes. With `memory`, both pages are sampled
 * (CDP calls every 250 ms and a whole-page measurement each second cost CPU, so the speed
 * figures come from a run without sampling).
 */
export async function cofferRun(
  steps: Steps,
  mem: { up: MemorySampler; down: MemorySampler },
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
}> {
  const label = `${size / MiB} MiB${memory ? ', memory sampled' : ''}${tag}`
  const step = `${size / MiB}${memory ? '-sampled' : ''}${tag.replace(/\W+/g, '-')}`
  if (memory) await mem.up.start()
  steps.loads[`coffer-upload-${step}`] = load()
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
    steps.failures.push(`upload ${label}: ${message}`)
    if (memory) {
      mem.up.stop()
      await mem.up.start()
    }
    cpuDone = cpuMeter()
    return attempt()
  })
  steps.cpu[`coffer-upload-${step}`] = cpuDone()
  const uploadMemory = memory ? mem.up.stop() : undefined
  for (const [what, count] of Object.entries(upload.problems)) {
    say(`  (retried elsewhere by the engine) ${count}× ${what}`)
  }
  say(`Coffer upload ${label}: ${(upload.ms / 1000).toFixed(1)} s, ${mbps(upload).toFixed(1)} MB/s`)
  if (memory) await mem.down.start()
  steps.loads[`coffer-download-${step}`] = load()
  const downCpu = cpuMeter()
  const download = await c.downloader.page.evaluate((o) => window.benchPeer.download(o), {
    manifest: upload.manifest,
    key: upload.key,
    size,
  })
  steps.cpu[`coffer-download-${step}`] = downCpu()
  const downloadMemory = memory ? mem.down.stop() : undefined
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
export function buildUpload(
  steps: Steps,
  c: OpenCoop,
  size: number,
  seed: number,
  step: string,
  tag = '',
): Promise<UploadFigures> {
  return steps.measured(step, `Coffer upload, holders build the parity shards${tag}`, () =>
    c.owner.page.evaluate((o) => window.benchPeer.upload(o), {
      seed,
      size,
      holders: c.holderIds,
      build: true,
    }),
  )
}
