/// <reference lib="webworker" />
/**
 * Coffer's service worker (vite-plugin-pwa, injectManifest): precaches the app shell so
 * Coffer opens offline, waits for the member before switching to a new version, and streams
 * downloads to disk (the page hands it a ReadableStream; see src/state/download-sink.ts).
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null } | string>
}

/** Must match SW_DOWNLOAD_PATH / SW_DOWNLOAD_MESSAGE in src/state/download-sink.ts. */
const DOWNLOAD_PATH = '__coffer/download/'
const DOWNLOAD_MESSAGE = 'coffer-download'
/** A stream handed over but never asked for (the frame failed to load) is dropped after this. */
const UNCLAIMED_MS = 60_000

interface PendingDownload {
  stream: ReadableStream<Uint8Array>
  mime: string
  size: number
  disposition: string
  timer: ReturnType<typeof setTimeout>
}

const pending = new Map<string, PendingDownload>()
const ID = /^[0-9a-f-]{36}$/

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data = event.data as Record<string, unknown> | null
  if (data === null || typeof data !== 'object') return
  // registerType 'prompt': the page sends this when the member presses Reload.
  if (data.type === 'SKIP_WAITING') {
    void self.skipWaiting()
    return
  }
  if (data.type !== DOWNLOAD_MESSAGE) return
  const { id, mime, size, disposition, stream } = data
  if (
    typeof id !== 'string' ||
    !ID.test(id) ||
    !(stream instanceof ReadableStream) ||
    typeof disposition !== 'string' ||
    !disposition.startsWith('attachment;') ||
    /[\r\n]/.test(disposition)
  ) {
    return
  }
  const timer = setTimeout(() => {
    pending.delete(id)
    void stream.cancel().catch(() => undefined)
  }, UNCLAIMED_MS)
  pending.set(id, {
    stream: stream as ReadableStream<Uint8Array>,
    mime: typeof mime === 'string' && /^[\x21-\x7e]{1,255}$/.test(mime) ? mime : '',
    size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : -1,
    disposition,
    timer,
  })
  event.ports[0]?.postMessage({ ok: true })
})

const downloadPrefix = new URL(DOWNLOAD_PATH, self.registration.scope).pathname

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(downloadPrefix),
  ({ url }) => {
    const id = url.pathname.slice(downloadPrefix.length)
    const item = pending.get(id)
    if (item === undefined) {
      return Promise.resolve(
        new Response('This download is no longer available. Start it again from Coffer.', {
          status: 404,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        }),
      )
    }
    pending.delete(id)
    clearTimeout(item.timer)
    const headers = new Headers({
      // Bytes only; the file's own type would let the browser display it instead of saving.
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': item.disposition,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    if (item.size >= 0) headers.set('Content-Length', String(item.size))
    return Promise.resolve(new Response(item.stream, { headers }))
  },
)

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    // config.json names the relays and must come from the network; /health is the relay's.
    denylist: [/^\/config\.json$/, /^\/health$/, /\/__coffer\//],
  }),
)
// The first install takes over the open page at once, so its first download can stream.
// Later versions still wait for the member (SKIP_WAITING above).
clientsClaim()
