import { logger } from '@libp2p/logger'

const log = logger('coffer:state:view-route')

/**
 * Path under the app's base where the service worker (src/sw.ts) shows a previewed file in an
 * opaque origin (`Content-Security-Policy: sandbox`). A same-origin `blob:` URL opened as a
 * document would run the file's script with the app's keys in reach; this path never does.
 */
export const SW_VIEW_PATH = '__coffer/view/'
/** The service worker asks the page that holds a preview for its bytes with this message. */
export const SW_VIEW_MESSAGE = 'coffer-view'

/** A file served in pieces as the player asks for them (HTTP Range), never held whole. */
export interface StreamSource {
  size: number
  /** The allowlisted type the view is served as (never the uploader's string). */
  type: string
  /** Plaintext bytes [start, end) of the file. */
  open(range: { start: number; end: number }): Promise<ReadableStream<Uint8Array>>
}

type Held = { blob: Blob; name: string } | { source: StreamSource; name: string }

const held = new Map<string, Held>()
let answering = false

/**
 * The service worker's question and the port to answer on (validated: any sender may post).
 * Without `start`/`end` it asks what the view is (a blob, or a stream's size and type); with
 * them, for a stream of those bytes, transferred to the worker.
 */
function onMessage(event: MessageEvent): void {
  const data = event.data as Record<string, unknown> | null
  if (data === null || typeof data !== 'object' || data.type !== SW_VIEW_MESSAGE) return
  const port = event.ports[0]
  if (port === undefined || typeof data.id !== 'string') return
  const item = held.get(data.id)
  if (item === undefined) {
    port.postMessage({ found: false })
  } else if ('blob' in item) {
    port.postMessage({ found: true, ...item })
  } else if (typeof data.start === 'number' && typeof data.end === 'number') {
    item.source.open({ start: data.start, end: data.end }).then(
      (stream) => port.postMessage({ found: true, stream }, [stream]),
      (err: unknown) => {
        // The worker answers the player with an error status; the page logs why.
        log('a view stream could not start - %e', err)
        port.postMessage({ found: false })
      },
    )
  } else {
    port.postMessage({ found: true, size: item.source.size, mime: item.source.type })
  }
}

export interface ViewHandle {
  /** Same-origin URL of the isolated view: for `<img>`/`<video>` and "Open in a new tab". */
  url: string
  /** Forgets the bytes; the URL then answers 404. */
  revoke(): void
}

/**
 * Offers a finished preview to the service worker under an unguessable URL. Undefined when no
 * service worker controls the page (first visit before it installs, or none at all): callers
 * then show the preview without any way to open it as a document.
 */
export function offerView(
  blob: Blob | StreamSource,
  name: string,
  doc: Document = document,
): ViewHandle | undefined {
  const container = globalThis.navigator?.serviceWorker
  if (container?.controller == null) return undefined
  if (!answering) {
    container.addEventListener('message', onMessage)
    // addEventListener (unlike onmessage) leaves the worker's messages queued until this.
    container.startMessages()
    answering = true
  }
  const id = crypto.randomUUID()
  held.set(id, blob instanceof Blob ? { blob, name } : { source: blob, name })
  log('offered a view of %d bytes', blob.size)
  return {
    url: new URL(`${SW_VIEW_PATH}${id}`, doc.baseURI).href,
    revoke: () => {
      held.delete(id)
    },
  }
}
