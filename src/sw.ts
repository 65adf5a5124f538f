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
import { parseByteRange } from './core/byte-range.ts'
import { previewOf } from './core/media-type.ts'
import { EMBED_PATH, securityHeaders } from './core/security-headers.ts'

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null } | string>
}

/** Must match SW_DOWNLOAD_PATH / SW_DOWNLOAD_MESSAGE in src/state/download-sink.ts. */
const DOWNLOAD_PATH = '__coffer/download/'
const DOWNLOAD_MESSAGE = 'coffer-download'
/** Must match SW_VIEW_PATH / SW_VIEW_MESSAGE in src/state/view-route.ts. */
const VIEW_PATH = '__coffer/view/'
const VIEW_MESSAGE = 'coffer-view'
/** A page that holds a preview answers at once; one that does not may be frozen in the background. */
const VIEW_ASK_MS = 3_000
/** Starting a streamed range finds holders and fetches the manifest: seconds, not milliseconds. */
const VIEW_OPEN_MS = 60_000
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
/** A download is a shared file's bytes: if a browser ever rendered one, it gets the view's sandbox. */
const DOWNLOAD_HEADERS = { ...securityHeaders('view'), 'Cache-Control': 'no-store' }

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(downloadPrefix),
  ({ url }) => {
    const id = url.pathname.slice(downloadPrefix.length)
    const item = pending.get(id)
    if (item === undefined) {
      return Promise.resolve(
        new Response('This download is no longer available. Start it again from Coffer.', {
          status: 404,
          headers: { ...DOWNLOAD_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
        }),
      )
    }
    pending.delete(id)
    clearTimeout(item.timer)
    const headers = new Headers({
      ...DOWNLOAD_HEADERS,
      // Bytes only; the file's own type would let the browser display it instead of saving.
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': item.disposition,
    })
    if (item.size >= 0) headers.set('Content-Length', String(item.size))
    return Promise.resolve(new Response(item.stream, { headers }))
  },
)

/** A preview held whole by a page, or one a page streams in pieces as the player asks. */
type View = { blob: Blob } | { client: Client; size: number; mime: string }

/** Posts `message` to one window and waits up to `ms` for its answer on a new channel. */
function ask(
  client: Client,
  message: Record<string, unknown>,
  ms: number,
): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => {
      channel.port1.close()
      resolve(undefined)
    }, ms)
    channel.port1.onmessage = (event: MessageEvent) => {
      clearTimeout(timer)
      channel.port1.close()
      const data = event.data as Record<string, unknown> | null
      resolve(data !== null && typeof data === 'object' && data.found === true ? data : undefined)
    }
    client.postMessage({ type: VIEW_MESSAGE, ...message }, [channel.port2])
  })
}

/** What one window says it holds under `id` (its answer is checked: any page may answer). */
async function askWindow(client: Client, id: string): Promise<View | undefined> {
  const a = await ask(client, { id }, VIEW_ASK_MS)
  if (a === undefined) return undefined
  if (a.blob instanceof Blob) return { blob: a.blob }
  const { size, mime } = a
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined
  return typeof mime === 'string' ? { client, size, mime } : undefined
}

/** The bytes live in the page that previewed them (the worker may be stopped at any time). */
async function findView(id: string): Promise<View | undefined> {
  const windows = await self.clients.matchAll({ type: 'window' })
  const answers = await Promise.all(windows.map((c) => askWindow(c, id)))
  return answers.find((b) => b !== undefined)
}

/** Bytes [start, end) of a streamed view: the page finds holders and decodes only their stripes. */
async function openStream(
  view: { client: Client },
  id: string,
  range: { start: number; end: number },
): Promise<ReadableStream<Uint8Array> | undefined> {
  const a = await ask(view.client, { id, ...range }, VIEW_OPEN_MS)
  return a?.stream instanceof ReadableStream ? (a.stream as ReadableStream<Uint8Array>) : undefined
}

function viewResponse(status: number, body: BodyInit | null, extra: Record<string, string>) {
  const headers = new Headers({ ...securityHeaders('view'), 'Cache-Control': 'no-store', ...extra })
  return new Response(body, { status, headers })
}

const viewPrefix = new URL(VIEW_PATH, self.registration.scope).pathname

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(viewPrefix),
  async ({ url, request }) => {
    const id = url.pathname.slice(viewPrefix.length)
    const view = ID.test(id) ? await findView(id) : undefined
    if (view === undefined) {
      return viewResponse(404, 'This preview is no longer open. Open the link again.', {
        'Content-Type': 'text/plain; charset=utf-8',
      })
    }
    const size = 'blob' in view ? view.blob.size : view.size
    // The page typed the view from the allowlist; anything else is shown as bytes.
    const type = previewOf('blob' in view ? view.blob.type : view.mime)?.essence
    const range = parseByteRange(request.headers.get('range'), size)
    const common = { 'Content-Type': type ?? 'application/octet-stream', 'Accept-Ranges': 'bytes' }
    if (range === 'unsatisfiable') {
      return viewResponse(416, null, { ...common, 'Content-Range': `bytes */${size}` })
    }
    const bytes = range ?? { start: 0, end: size }
    let body: BodyInit | null
    if ('blob' in view) {
      body = range === undefined ? view.blob : view.blob.slice(bytes.start, bytes.end)
    } else if (bytes.end === bytes.start) {
      body = null
    } else {
      const stream = await openStream(view, id, bytes)
      if (stream === undefined) {
        return viewResponse(503, 'The file cannot be read right now. Try again in a moment.', {
          'Content-Type': 'text/plain; charset=utf-8',
          'Retry-After': '5',
        })
      }
      body = stream
    }
    const length = { 'Content-Length': String(bytes.end - bytes.start) }
    if (range === undefined) return viewResponse(200, body, { ...common, ...length })
    return viewResponse(206, body, {
      ...common,
      ...length,
      'Content-Range': `bytes ${bytes.start}-${bytes.end - 1}/${size}`,
    })
  },
)

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

const APP_HEADERS = securityHeaders('app')
const EMBED_HEADERS = securityHeaders('embed')
// After precacheAndRoute: workbox throws for a URL it has not been told to precache yet.
const shell = createHandlerBoundToURL('index.html')

/**
 * The shell comes from the precache, which keeps the headers it was fetched with; a host that
 * sent none (or an older cache) still gets the app's policy, so a cached page is never weaker.
 */
async function shellWithHeaders(options: Parameters<typeof shell>[0]): Promise<Response> {
  const response = await shell(options)
  if (response.headers.has('Content-Security-Policy')) return response
  return withHeaders(response, APP_HEADERS)
}

function withHeaders(response: Response, set: Record<string, string>): Response {
  const headers = new Headers(response.headers)
  for (const [name, value] of Object.entries(set)) headers.set(name, value)
  if (!('X-Frame-Options' in set)) headers.delete('X-Frame-Options')
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}

const embedPath = new URL(EMBED_PATH, self.registration.scope).pathname

// The embeddable viewer is the same shell under the embed headers (any page may frame it,
// as the server says for /embed); the cached shell's own headers say 'none'.
registerRoute(
  ({ url, request }) =>
    request.mode === 'navigate' &&
    url.origin === self.location.origin &&
    url.pathname === embedPath,
  async (options) => withHeaders(await shell(options), EMBED_HEADERS),
)
registerRoute(
  new NavigationRoute(shellWithHeaders, {
    // config.json names the relays and must come from the network; /health is the relay's.
    denylist: [/^\/config\.json$/, /^\/health$/, /\/__coffer\//],
  }),
)
// The first install takes over the open page at once, so its first download can stream.
// Later versions still wait for the member (SKIP_WAITING above).
clientsClaim()
