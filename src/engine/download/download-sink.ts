import { NoSaveTargetError } from './errors.ts'

/** Where the plaintext goes: a file on disk, the browser's download manager, or memory. */
export type SaveMode = 'picker' | 'service-worker' | 'memory'

export interface SaveTarget {
  mode: SaveMode
  writable: WritableStream<Uint8Array>
  /** For 'memory': the bytes as a Blob once the stream has closed. */
  blob?: () => Blob
}

/** Path under the app's base that the service worker (src/sw.ts) answers with the stream. */
export const SW_DOWNLOAD_PATH = '__coffer/download/'
/** Message the page posts to the service worker to hand it a download stream. */
export const SW_DOWNLOAD_MESSAGE = 'coffer-download'

/** The part of the File System Access API used here (not in TypeScript's DOM types yet). */
interface SavePickerWindow {
  top?: unknown
  self?: unknown
  showSaveFilePicker?: (options: {
    suggestedName?: string
    types?: Array<{ description?: string; accept: Record<string, string[]> }>
  }) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>
}

/**
 * True when the File System Access save picker exists (Chromium desktop) and may open here:
 * Chromium refuses it in a cross-origin frame (the embeddable viewer), so framed pages save
 * through the service worker instead.
 */
export function hasSavePicker(): boolean {
  const g = globalThis as SavePickerWindow
  return typeof g.showSaveFilePicker === 'function' && g.top === g.self
}

/**
 * Opens the save picker. Must run in the click's task (it needs the user's gesture), which is
 * why downloads start it before any other await. Rejects with an AbortError when the member
 * closes the picker.
 */
export async function pickerTarget(name: string): Promise<SaveTarget> {
  const show = (globalThis as SavePickerWindow).showSaveFilePicker
  if (show === undefined) throw new NoSaveTargetError('this browser has no save picker')
  const handle = await show({ suggestedName: name })
  return { mode: 'picker', writable: await handle.createWritable() }
}

/** `filename*` per RFC 6266/5987, plus an ASCII fallback for old clients. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download'
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** The active service worker of this page's registration, if any. */
async function activeWorker(): Promise<ServiceWorker | undefined> {
  const container = globalThis.navigator?.serviceWorker
  if (container === undefined) return undefined
  const reg = await container.getRegistration()
  return reg?.active ?? undefined
}

export async function hasServiceWorker(): Promise<boolean> {
  return (await activeWorker()) !== undefined
}

/**
 * A download the browser saves by itself: the page hands a ReadableStream to the service
 * worker (streams are transferable), then opens `__coffer/download/<id>` in a hidden frame;
 * the worker answers that request with the stream and a Content-Disposition header, so the
 * file goes to disk as it is decoded and never sits whole in memory.
 */
export async function serviceWorkerTarget(
  name: string,
  type: string,
  size: number,
  doc: Document = document,
): Promise<SaveTarget> {
  const worker = await activeWorker()
  if (worker === undefined) throw new NoSaveTargetError('no service worker is running')
  const id = crypto.randomUUID()
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
  const channel = new MessageChannel()
  const accepted = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new NoSaveTargetError('the service worker did not answer')),
      5_000,
    )
    channel.port1.onmessage = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  worker.postMessage(
    {
      type: SW_DOWNLOAD_MESSAGE,
      id,
      name,
      mime: type,
      size,
      disposition: contentDisposition(name),
      stream: readable,
    },
    [channel.port2, readable],
  )
  await accepted
  const frame = doc.createElement('iframe')
  frame.hidden = true
  frame.title = 'download'
  frame.src = new URL(`${SW_DOWNLOAD_PATH}${id}`, doc.baseURI).href
  doc.body.append(frame)
  // The frame only carries the request; the download manager owns the response.
  setTimeout(() => frame.remove(), 60_000)
  return { mode: 'service-worker', writable }
}

/**
 * Keeps the bytes in memory: previews, and browsers with neither picker nor worker. The blob is
 * untyped bytes: the uploader's type string is never trusted (a preview retypes a copy from the
 * allowlist), so no same-origin blob: URL of it can render as a document.
 */
export function memoryTarget(): SaveTarget {
  const parts: Uint8Array[] = []
  let blob: Blob | undefined
  return {
    mode: 'memory',
    writable: new WritableStream<Uint8Array>({
      write(chunk) {
        parts.push(chunk)
      },
      close() {
        blob = new Blob(parts as BlobPart[], { type: 'application/octet-stream' })
        parts.length = 0
      },
    }),
    blob: () => {
      if (blob === undefined) throw new Error('the download has not finished')
      return blob
    },
  }
}
