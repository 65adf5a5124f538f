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

interface Held {
  blob: Blob
  name: string
}

const held = new Map<string, Held>()
let answering = false

/** The service worker's question and the port to answer on (validated: any sender may post). */
function onMessage(event: MessageEvent): void {
  const data = event.data as Record<string, unknown> | null
  if (data === null || typeof data !== 'object' || data.type !== SW_VIEW_MESSAGE) return
  const port = event.ports[0]
  if (port === undefined || typeof data.id !== 'string') return
  const item = held.get(data.id)
  port.postMessage(item === undefined ? { found: false } : { found: true, ...item })
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
  blob: Blob,
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
  held.set(id, { blob, name })
  log('offered a view of %d bytes', blob.size)
  return {
    url: new URL(`${SW_VIEW_PATH}${id}`, doc.baseURI).href,
    revoke: () => {
      held.delete(id)
    },
  }
}
