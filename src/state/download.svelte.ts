import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import {
  PlaintextHashMismatchError,
  SegmentAuthenticationError,
  WrongKeyError,
  type ReadCapability,
  type StripeCodec,
} from '../core/index.ts'
import type { CofferNode } from '../net/types.ts'
import type { FileRecord } from '../storage/db.ts'
import {
  openDownload,
  type DownloadNetwork,
  type DownloadWait,
  type OpenedDownload,
} from '../engine/download/download-engine.ts'
import { downloadWorkerPool } from '../engine/codec.ts'
import { SpeedMeter } from '../engine/speed.ts'
import { DownloadCancelledError, ManifestUnavailableError } from '../engine/download/errors.ts'
import { libp2pDownloadNetwork, type FetchingLibp2p } from '../engine/download/download-network.ts'
import {
  hasSavePicker,
  hasServiceWorker,
  memoryTarget,
  pickerTarget,
  serviceWorkerTarget,
  type SaveMode,
  type SaveTarget,
} from '../engine/download/download-sink.ts'
import { formatBytes, shortPeerId } from './format.ts'

const log = logger('coffer:state:download')

export type { SaveMode } from '../engine/download/download-sink.ts'

/**
 * - `finding`: looking for the holders and the manifest
 * - `downloading`: shards are coming in
 * - `waiting`: stalled until more holders come online (see `waitMessage`)
 * - `done` / `failed` / `cancelled`: finished
 */
export type DownloadPhase = 'finding' | 'downloading' | 'waiting' | 'done' | 'failed' | 'cancelled'

/** How to save: 'auto' = save picker if the browser has one, else the service worker. */
export type SaveChoice = 'auto' | SaveMode

export interface StartDownloadInput {
  capability: ReadCapability
  network: DownloadNetwork
  /** Known before the manifest is open (the owner's file record); the save picker needs it. */
  name?: string
  holders?: Map<string, string[]>
  /** Peers to connect to and ask (share-link hints, receipt holders). */
  peers?: string[]
  codec?: StripeCodec
  save?: SaveChoice
  /** Bytes above which a memory download is refused (the stream would have to be buffered). */
  memoryCap?: number
}

/** Files up to this size may be downloaded into memory when nothing better exists. */
export const MEMORY_DOWNLOAD_CAP = 256 * 1024 * 1024

/** One download, as the UI shows it. Start one with `startDownload` or `downloadFile`. */
export class Download {
  #phase = $state<DownloadPhase>('finding')
  #name = $state('')
  #type = $state('')
  #size = $state<number | undefined>()
  #bytes = $state(0)
  #speed = $state(0)
  #wait = $state.raw<DownloadWait | undefined>()
  #badPeers = $state.raw<string[]>([])
  #error = $state<string | undefined>()
  #mode = $state<SaveMode | undefined>()
  #blob = $state.raw<Blob | undefined>()
  #startedAt = 0
  #finishedAt = $state(0)
  readonly #meter = new SpeedMeter()
  #controller = new AbortController()
  /** Settles when the download ends, whatever the outcome (never rejects). */
  readonly finished: Promise<void>

  constructor(run: (d: Download, signal: AbortSignal) => Promise<void>, name = '') {
    this.#name = name
    this.#startedAt = performance.now()
    this.finished = run(this, this.#controller.signal).then(
      () => {
        this.#phase = 'done'
        this.#wait = undefined
        this.#finishedAt = performance.now()
      },
      (err: unknown) => {
        this.#finishedAt = performance.now()
        this.#wait = undefined
        if (this.#controller.signal.aborted || isAbort(err)) {
          this.#phase = 'cancelled'
        } else {
          this.#phase = 'failed'
          this.#error = explainDownloadError(err)
        }
      },
    )
  }

  get phase(): DownloadPhase {
    return this.#phase
  }
  get name(): string {
    return this.#name
  }
  get type(): string {
    return this.#type
  }
  get size(): number | undefined {
    return this.#size
  }
  get bytes(): number {
    return this.#bytes
  }
  /** Bytes per second over the last few seconds. */
  get speed(): number {
    return this.#speed
  }
  /** 0…1, or undefined before the size is known. */
  get fraction(): number | undefined {
    if (this.#size === undefined) return undefined
    return this.#size === 0 ? 1 : Math.min(1, this.#bytes / this.#size)
  }
  /** Average speed of the whole download once it is done (bytes per second). */
  get averageSpeed(): number {
    const end = this.#finishedAt || performance.now()
    const s = (end - this.#startedAt) / 1000
    return s > 0 ? this.#bytes / s : 0
  }
  get wait(): DownloadWait | undefined {
    return this.#wait
  }
  /** Plain-language reason the download is stalled, or undefined. */
  get waitMessage(): string | undefined {
    const w = this.#wait
    if (w === undefined) return undefined
    if (w.kind === 'manifest') {
      return 'None of the devices holding this file are reachable right now. The download starts by itself when one comes online.'
    }
    const more = w.missing === 1 ? '1 more holder' : `${w.missing} more holders`
    return `Waiting: this download needs ${more} to come online. Only ${w.available} of the ${w.needed} encrypted parts it needs next are reachable. It goes on by itself when they are back.`
  }
  /** Peer ids caught serving damaged shards (skipped). */
  get badPeers(): string[] {
    return this.#badPeers
  }
  get badPeerMessages(): string[] {
    return this.#badPeers.map(
      (p) =>
        `The device ${shortPeerId(p)} sent damaged data; Coffer skipped it and used the other holders.`,
    )
  }
  get error(): string | undefined {
    return this.#error
  }
  get mode(): SaveMode | undefined {
    return this.#mode
  }
  /** The file, for memory downloads (previews), once done. */
  get blob(): Blob | undefined {
    return this.#blob
  }
  get active(): boolean {
    return this.#phase === 'finding' || this.#phase === 'downloading' || this.#phase === 'waiting'
  }
  /** "12.5 MB of 20 MB · 8.1 MB/s" */
  get summary(): string {
    const of = this.#size === undefined ? '' : ` of ${formatBytes(this.#size)}`
    const speed =
      this.#phase === 'done'
        ? ` · ${formatBytes(this.averageSpeed)}/s on average`
        : this.#phase === 'downloading'
          ? ` · ${formatBytes(this.#speed)}/s`
          : ''
    return `${formatBytes(this.#bytes)}${of}${speed}`
  }

  cancel(): void {
    this.#controller.abort(new DownloadCancelledError('the download was cancelled'))
  }

  // ---- called by the runner

  /** @internal */
  setFile(name: string, type: string, size: number): void {
    this.#name = name
    this.#type = type
    this.#size = size
  }
  /** @internal */
  setPhase(phase: DownloadPhase): void {
    this.#phase = phase
  }
  /** @internal */
  setMode(mode: SaveMode): void {
    this.#mode = mode
  }
  /** @internal */
  setBlob(blob: Blob): void {
    this.#blob = blob
  }
  /** @internal */
  setWait(wait: DownloadWait | undefined): void {
    this.#wait = wait
    if (this.#phase === 'downloading' || this.#phase === 'waiting' || this.#phase === 'finding') {
      if (wait?.kind === 'shards') this.#phase = 'waiting'
      else if (wait === undefined && this.#phase === 'waiting') this.#phase = 'downloading'
    }
  }
  /** @internal */
  addBadPeer(peer: string): void {
    if (!this.#badPeers.includes(peer)) this.#badPeers = [...this.#badPeers, peer]
  }
  /** @internal */
  progress(bytes: number): void {
    this.#bytes = bytes
    this.#speed = this.#meter.add(performance.now(), bytes)
  }
}

function isAbort(err: unknown): boolean {
  return (
    err instanceof DownloadCancelledError ||
    (err instanceof Error && err.name === 'AbortError') ||
    (typeof DOMException !== 'undefined' &&
      err instanceof DOMException &&
      err.name === 'AbortError')
  )
}

/** What went wrong, for the member, with what to do. */
export function explainDownloadError(err: unknown): string {
  if (err instanceof WrongKeyError) {
    return 'The key in this link does not open the file: the link is damaged or belongs to another file. Ask the sender for the link again.'
  }
  if (err instanceof ManifestUnavailableError) {
    return 'None of the devices holding this file could be reached. Try again when more co-op members are online.'
  }
  if (err instanceof PlaintextHashMismatchError || err instanceof SegmentAuthenticationError) {
    return 'The file could not be put back together correctly, so it was not saved. Try again later; if it keeps failing, the file may be damaged.'
  }
  if (err instanceof Error && err.name === 'NotAllowedError') {
    return 'The browser did not allow saving the file. Try the download again.'
  }
  const detail = err instanceof Error ? err.message : String(err)
  return `The download failed: ${detail}`
}

/**
 * Starts a download. Call it straight from a click handler: with the save picker the browser
 * asks where to save before anything else happens (it needs the user's gesture).
 */
export function startDownload(input: StartDownloadInput): Download {
  const choice = input.save ?? 'auto'
  // Started synchronously, in the gesture's task.
  const picked: Promise<SaveTarget> | undefined =
    choice === 'picker' || (choice === 'auto' && hasSavePicker() && input.name)
      ? pickerTarget(input.name ?? 'download')
      : undefined
  // Observed where the download awaits it; this only keeps an early refusal from being unhandled.
  picked?.catch((err: unknown) => log('save picker refused: %s', err))
  return new Download(async (d, signal) => {
    const codec = input.codec ?? (await downloadWorkerPool())
    let target: SaveTarget | undefined = picked ? await picked : undefined
    if (target) d.setMode(target.mode)
    let download: OpenedDownload
    try {
      download = await openDownload(input.capability, {
        network: input.network,
        holders: input.holders,
        peers: input.peers,
        codec,
        signal,
        onBadPeer: (peer) => d.addBadPeer(peer),
        onWait: (w) => d.setWait(w),
        onProgress: ({ bytes }) => d.progress(bytes),
      })
    } catch (err) {
      await target?.writable
        .abort(err)
        .catch((abortError: unknown) => log('save target already closed: %s', abortError))
      throw err
    }
    const { envelope } = download.opened
    d.setFile(envelope.name, envelope.type, envelope.size)
    d.setPhase('downloading')
    try {
      target ??= await chooseTarget(choice, envelope, input.memoryCap ?? MEMORY_DOWNLOAD_CAP)
    } catch (err) {
      await download.stream.cancel(err)
      throw err
    }
    d.setMode(target.mode)
    await download.stream.pipeTo(target.writable, { signal })
    if (target.blob) d.setBlob(target.blob())
  }, input.name)
}

async function chooseTarget(
  choice: SaveChoice,
  file: { name: string; type: string; size: number },
  memoryCap: number,
): Promise<SaveTarget> {
  if (choice === 'memory') return memoryTarget()
  if (choice === 'picker') return pickerTarget(file.name)
  if (await hasServiceWorker()) return serviceWorkerTarget(file.name, file.type, file.size)
  if (choice === 'auto' && file.size <= memoryCap) return memoryTarget()
  return serviceWorkerTarget(file.name, file.type, file.size)
}

/**
 * The download network of a member's node: its libp2p must carry the `fetch` service
 * (`/coffer/fetch/1.0.0`). Takes the CofferNode the app state holds.
 */
export function memberNetwork(node: Pick<CofferNode, 'coop'>): DownloadNetwork {
  const libp2p = (node as { libp2p?: FetchingLibp2p }).libp2p
  if (libp2p?.services.fetch === undefined) {
    throw new Error('this node has no fetch service')
  }
  return libp2pDownloadNetwork(libp2p, { relays: node.coop.relays })
}

export interface DownloadFileOptions {
  /** CID string → holder peer ids, from the file's receipts (holdersByShard). */
  holders?: Map<string, string[]>
  codec?: StripeCodec
  save?: SaveChoice
}

/**
 * The Files view's Download button: fetches one of my files from the co-op and saves it.
 * Call from the click handler (see startDownload). Holders come from the receipts when given,
 * and from asking the connected peers.
 */
export function downloadFile(
  node: Pick<CofferNode, 'coop'>,
  file: Pick<FileRecord, 'manifestCid' | 'key' | 'name'>,
  options: DownloadFileOptions = {},
): Download {
  if (file.manifestCid === undefined) {
    return new Download(() => Promise.reject(new Error('this file has not finished uploading')))
  }
  const capability: ReadCapability = {
    kind: 'read',
    manifest: CID.parse(file.manifestCid),
    key: file.key,
  }
  const peers: string[] = []
  for (const list of options.holders?.values() ?? []) {
    for (const p of list) if (!peers.includes(p)) peers.push(p)
  }
  let network: DownloadNetwork
  try {
    network = memberNetwork(node)
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err))
    return new Download(() => Promise.reject(error), file.name)
  }
  return startDownload({
    capability,
    network,
    name: file.name,
    holders: options.holders,
    peers,
    codec: options.codec,
    save: options.save,
  })
}
