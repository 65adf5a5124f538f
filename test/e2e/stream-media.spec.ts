/**
 * A shared video plays from the network range by range: the service worker answers the
 * player's Range requests with only the stripes each range lies in, so playback needs no
 * whole-file download and no size cap. The video is recorded in the page (MediaRecorder over
 * a canvas of noise, so it is several stripes long).
 */
import { CID } from 'multiformats/cid'
import { formatShareLink } from '../../src/core/index.ts'
import { expect, openCoop, test } from './fixtures.ts'
import { storedFile, uploadThroughUi } from './transfer-helpers.ts'

test('a shared video starts playing from its first stripes, and any range is served exactly', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(300_000)
  const { owner } = await openCoop(openPeer, { members: 2 })

  const video = Buffer.from(
    await owner.page.evaluate(async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 640
      canvas.height = 360
      const g = canvas.getContext('2d')!
      const image = g.createImageData(canvas.width, canvas.height)
      const recorder = new MediaRecorder(canvas.captureStream(25), {
        mimeType: 'video/webm',
        videoBitsPerSecond: 12_000_000,
      })
      const parts: Blob[] = []
      recorder.ondataavailable = (e) => parts.push(e.data)
      const stopped = new Promise((resolve) => (recorder.onstop = resolve))
      recorder.start()
      const until = performance.now() + 4_000
      while (performance.now() < until) {
        crypto.getRandomValues(image.data.subarray(0, 65_536))
        for (let i = 65_536; i < image.data.length; i += 65_536) {
          image.data.copyWithin(i, (i * 7) % 65_536, ((i * 7) % 65_536) + 4_096)
        }
        g.putImageData(image, 0, 0)
        await new Promise((r) => setTimeout(r, 40))
      }
      recorder.stop()
      await stopped
      return [...new Uint8Array(await new Blob(parts).arrayBuffer())]
    }),
  )
  // Over one 1 MiB segment, so ranges cross stripes.
  expect(video.length).toBeGreaterThan(1_200_000)
  await uploadThroughUi(owner.page, 'clip.webm', video, 'video/webm')
  const { record, receipts } = await storedFile(owner.page, 'clip.webm')
  const link = formatShareLink(
    `${relay.url}/`,
    { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
    { relays: relay.multiaddrs.slice(0, 1), peers: [...new Set(receipts.map((r) => r.holder))] },
  )

  const guest = await browser.newContext()
  try {
    const page = await guest.newPage()
    await page.goto(link)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
      timeout: 60_000,
    })
    // The first visit installs the worker; from now on every open of the link streams.
    const opened = Date.now()
    await page.reload()
    const player = page.getByTestId('preview-video')
    await expect(player).toBeVisible({ timeout: 90_000 })
    const src = (await player.getAttribute('src'))!
    expect(new URL(src).pathname).toMatch(/^\/__coffer\/view\/[0-9a-f-]{36}$/)
    await player.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<void>((resolve, reject) => {
          if (v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) resolve()
          v.addEventListener('loadeddata', () => resolve(), { once: true })
          v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}`)))
        }),
    )
    process.stdout.write(
      `${video.length} B video: first frame ${Date.now() - opened} ms after the link opened\n`,
    )
    // The page chose the stream, not a whole in-memory copy (which also ends at a view URL).
    await expect(page.getByRole('region', { name: 'Preview' })).toHaveAttribute(
      'data-streamed',
      'true',
    )
    await expect(page.getByTestId('download-progress')).toHaveCount(0)

    // Ranges across a stripe boundary, at the very end, and past the end.
    const ask = (range: string) =>
      page.evaluate(
        async ([url, r]) => {
          const res = await fetch(url!, { headers: { Range: r! } })
          return {
            status: res.status,
            range: res.headers.get('content-range'),
            csp: res.headers.get('content-security-policy'),
            type: res.headers.get('content-type'),
            bytes: [...new Uint8Array(await res.arrayBuffer())],
          }
        },
        [src, range],
      )
    const mid = await ask('bytes=1048000-1049999')
    expect(mid.status).toBe(206)
    expect(mid.range).toBe(`bytes 1048000-1049999/${video.length}`)
    expect(Buffer.from(mid.bytes).equals(video.subarray(1_048_000, 1_050_000))).toBe(true)
    expect(mid.csp).toMatch(/^sandbox;/)
    expect(mid.type).toBe('video/webm')
    const tail = await ask('bytes=-10')
    expect(tail.status).toBe(206)
    expect(Buffer.from(tail.bytes).equals(video.subarray(video.length - 10))).toBe(true)
    expect((await ask(`bytes=${video.length}-`)).status).toBe(416)
  } finally {
    await guest.close()
  }
})
