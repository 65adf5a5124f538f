// What Coffer is compared with, on the same peers: Helia (UnixFS add, bitswap fetch) and raw
// libp2p streams in Coffer's traffic shapes.
import type { Page } from 'playwright-core'
import { mbps } from './e2e-clock.ts'
import type { DownloadFigures, Timed, UploadFigures } from './e2e-page.ts'
import type { OpenCoop } from './e2e-peers.ts'
import { HOLDERS, MiB, REPEAT, SIZE } from './e2e-settings.ts'
import type { Steps } from './e2e-steps.ts'

/** One Coffer download and one bitswap fetch of the same size, one after the other, in MB/s. */
export interface PairedRun {
  download: number
  bitswap: number
  ratio: number
}

/**
 * Seeds of the files bitswap fetches in the paired runs and the shaped profiles: a block once
 * fetched stays in the reader's blockstore, so no two fetches in one co-op may share a file.
 */
let heliaSeed = 1000
/**
 * The download comparison repeated: Coffer downloads the same file again, and bitswap fetches
 * a freshly added one. Returns every pair, the first given, as MB/s.
 */
export async function pairedRuns(
  steps: Steps,
  c: OpenCoop,
  size: number,
  first: { download: Timed; fetch: Timed; manifest: string; key: string },
  tag = '',
  repeat = REPEAT,
): Promise<PairedRun[]> {
  const runs = [{ download: first.download, fetch: first.fetch }]
  const at = tag.replace(/\W+/g, '-')
  for (let i = 2; i <= repeat; i++) {
    const download = await steps.measured(
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
    const fetch = await steps.measured(
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
 * The same traffic shapes as Coffer's, without Coffer: four holders each stream a quarter of the
 * file to the downloader at once; the owner streams half of the file to each of the four holders
 * at once (n/k = 2: the shard bytes of an upload).
 */
export async function parallel(
  sends: Array<[Page, string, number]>,
  bytes: number,
): Promise<Timed> {
  const started = Date.now()
  await Promise.all(
    sends.map(([page, peer, size], i) =>
      page.evaluate((o) => window.benchPeer.rawSend(o), { peer, seed: 10 + i, size }),
    ),
  )
  return { ms: Date.now() - started, bytes }
}

/** A bitswap fetch of a file of `size` bytes, then the paired runs against Coffer's `c`. */
export async function compareBitswap(
  steps: Steps,
  lc: OpenCoop,
  c: { upload: UploadFigures; download: DownloadFigures },
  size: number,
  tag: string,
  at: string,
  repeat: number,
): Promise<{ fetch: Timed; pairs: PairedRun[] }> {
  const added = await lc.h1.page.evaluate((o) => window.benchPeer.heliaAdd(o), {
    seed: heliaSeed++,
    size,
  })
  const fetch = await steps.measured(`helia-fetch${at}`, `Helia bitswap fetch${tag}`, () =>
    lc.downloader.page.evaluate((o) => window.benchPeer.heliaCat(o), {
      cid: added.cid,
      size,
    }),
  )
  const pairs = await pairedRuns(
    steps,
    lc,
    size,
    { download: c.download, fetch, manifest: c.upload.manifest, key: c.upload.key },
    tag,
    repeat,
  )
  return { fetch, pairs }
}

/** The baselines on the bare co-op: Helia add and fetch, one raw stream, Coffer's shapes raw. */
export async function bareBaselines(
  steps: Steps,
  c: OpenCoop,
): Promise<{ heliaAdd: Timed; heliaFetch: Timed; raw: Timed; fanIn: Timed; fanOut: Timed }> {
  const { owner, holders, downloader, h1 } = c
  const heliaAdd = await steps.measured('helia-add', 'Helia add', () =>
    h1.page.evaluate((o) => window.benchPeer.heliaAdd(o), { seed: 1, size: SIZE }),
  )
  const heliaFetch = await steps.measured('helia-fetch', 'Helia bitswap fetch', () =>
    downloader.page.evaluate((o) => window.benchPeer.heliaCat(o), {
      cid: heliaAdd.cid,
      size: SIZE,
    }),
  )
  const raw = await steps.measured('raw-stream', 'raw stream', () =>
    owner.page.evaluate((o) => window.benchPeer.rawSend(o), {
      peer: h1.peerId,
      seed: 1,
      size: SIZE,
    }),
  )
  const fanIn = await steps.measured('raw-fan-in', 'raw fan-in', () =>
    parallel(
      holders.map((h): [Page, string, number] => [h.page, downloader.peerId, SIZE / HOLDERS]),
      SIZE,
    ),
  )
  const fanOut = await steps.measured('raw-fan-out', 'raw fan-out', () =>
    parallel(
      holders.map((h): [Page, string, number] => [owner.page, h.peerId, (2 * SIZE) / HOLDERS]),
      SIZE,
    ),
  )
  return { heliaAdd, heliaFetch, raw, fanIn, fanOut }
}
