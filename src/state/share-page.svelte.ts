import {
  InvalidCapabilityError,
  InvalidShareLinkError,
  parseShareFragment,
  previewOf,
  UnsupportedCapabilityError,
  UnsupportedShareLinkError,
  WrongKeyError,
  type PreviewKind,
  type ReadCapability,
} from '../core/index.ts'
import { fileKind } from '../core/file-kind.ts'
import type { GuestNode } from '../net/guest-node.ts'
import {
  openDownload,
  type DownloadNetwork,
  type DownloadWait,
} from '../engine/download/download-engine.ts'
import { libp2pDownloadNetwork } from '../engine/download/download-network.ts'
import { keepConnected } from '../engine/connect/keep-connected.ts'
import { Download, startDownload, type SaveChoice } from './download.svelte.ts'
import { fetchConfig } from '../net/config/relay-config.ts'
import { logger } from '@libp2p/logger'
import { formatBytes, shortPeerId } from './format.ts'
import { offerView, type ViewHandle } from './view-route.ts'

const log = logger('coffer:state:share-page')

export type { PreviewKind }

/** Share links start with this fragment: `<app>#/s/<payload>` (docs/FORMAT.md §9). */
export const SHARE_FRAGMENT_PREFIX = '#/s/'

export function isShareFragment(hash: string): boolean {
  return hash.startsWith(SHARE_FRAGMENT_PREFIX)
}

/** A page that cannot go on, in the visitor's words: what happened and what to do. */
export interface LinkProblem {
  kind: 'damaged' | 'unsupported' | 'wrong-key' | 'no-relay' | 'failed'
  title: string
  message: string
  advice: string
}

/** Previews are downloaded into memory (a blob URL), so they are kept to modest files. */
export const PREVIEW_MAX_BYTES = 32 * 1024 * 1024
/** Text previews show the beginning of the file only. */
export const TEXT_PREVIEW_CHARS = 200_000

/** How a file of this declared type is previewed; undefined: download only (src/core/media-type.ts). */
export function previewKind(type: string): PreviewKind | undefined {
  return previewOf(type)?.kind
}

/** Turns a link-parsing or opening failure into words for the visitor. */
export function explainLinkProblem(err: unknown): LinkProblem {
  if (err instanceof UnsupportedCapabilityError || err instanceof UnsupportedShareLinkError) {
    return {
      kind: 'unsupported',
      title: 'This link is from a different version of Coffer',
      message:
        'The link uses a format this version of Coffer does not understand, so the file cannot be opened here.',
      advice:
        'Reload the page to get the latest version of Coffer. If that does not help, ask the sender to share the file again.',
    }
  }
  if (err instanceof InvalidCapabilityError || err instanceof InvalidShareLinkError) {
    return {
      kind: 'damaged',
      title: 'This link is incomplete or damaged',
      message:
        'Part of the link is missing or was changed, often because it was cut off or altered when it was copied. Without the whole link the file cannot be found or unlocked.',
      advice:
        'Ask the sender to send the link again, and copy it in full (everything after “#” matters).',
    }
  }
  if (err instanceof WrongKeyError) {
    return {
      kind: 'wrong-key',
      title: 'This link does not unlock the file',
      message:
        'The file was found, but the key in the link does not open it. The link was probably changed after it was made.',
      advice: 'Ask the sender to share the file again and use the new link.',
    }
  }
  return {
    kind: 'failed',
    title: 'The file could not be opened',
    message: `Something went wrong while opening the file (${err instanceof Error ? err.message : String(err)}).`,
    advice: 'Reload the page to try again. If it keeps happening, ask the sender for a new link.',
  }
}

export interface SharePageDeps {
  /** Starts the visitor's guest node on the given relays. */
  createGuest(relays: string[], options: { signal: AbortSignal }): Promise<GuestNode>
  /** The relays of the server that served the app, for links without `r=` hints. */
  fetchRelays(options: { signal: AbortSignal }): Promise<string[]>
}

export type SharePhase = 'invalid' | 'connecting' | 'opening' | 'ready' | 'failed'

/**
 * The page a share link opens, for anyone: parses the link, starts a guest node (no co-op, no
 * storage), finds the holders, opens the manifest (name, size, type), previews small files
 * inline and offers Download. Every failure ends on a plain-language problem, never a blank page.
 */
export class SharePageState {
  #phase = $state<SharePhase>('connecting')
  #problem = $state.raw<LinkProblem | undefined>()
  #name = $state('')
  #type = $state('')
  #size = $state(0)
  #wait = $state.raw<DownloadWait | undefined>()
  #preview = $state.raw<Download | undefined>()
  #previewUrl = $state<string | undefined>()
  #view = $state.raw<ViewHandle | undefined>()
  /** Played from the network range by range (video, sound): no size cap, nothing held whole. */
  #streamed = $state(false)
  #previewText = $state<string | undefined>()
  #download = $state.raw<Download | undefined>()
  #capability: ReadCapability | undefined
  #hintRelays: string[] = []
  #hintPeers: string[] = []
  #deps: SharePageDeps
  #guest: GuestNode | undefined
  #network: DownloadNetwork | undefined
  #controller = new AbortController()

  /** The fragment this page was opened with. */
  readonly hash: string

  constructor(hash: string, deps: SharePageDeps) {
    this.hash = hash
    this.#deps = deps
    try {
      const link = parseShareFragment(hash)
      this.#capability = link.capability
      this.#hintRelays = link.relays
      this.#hintPeers = link.peers
    } catch (err) {
      this.#phase = 'invalid'
      this.#problem = explainLinkProblem(err)
    }
  }

  get phase(): SharePhase {
    return this.#phase
  }
  get problem(): LinkProblem | undefined {
    return this.#problem
  }
  get name(): string {
    return this.#name
  }
  get type(): string {
    return this.#type
  }
  /** What the file is, in plain words ("Video"), never the uploader's raw type string. */
  get kindText(): string {
    return fileKind(this.#name, this.#type)
  }
  get size(): number {
    return this.#size
  }
  get sizeText(): string {
    return formatBytes(this.#size)
  }
  get guestId(): string | undefined {
    return this.#guest?.peerId
  }
  get previewKind(): PreviewKind | undefined {
    return previewKind(this.#type)
  }
  /** Why the page is still looking, in words, or undefined. */
  get waitMessage(): string | undefined {
    if (this.#wait?.kind === 'manifest') {
      return 'None of the devices holding this file are online right now. This page keeps looking and opens the file as soon as one of them comes online.'
    }
    return undefined
  }
  get previewTooLarge(): boolean {
    return !this.#streamed && this.previewKind !== undefined && this.#size > PREVIEW_MAX_BYTES
  }
  /** True when the player streams the file range by range instead of a whole in-memory copy. */
  get streamed(): boolean {
    return this.#streamed
  }
  /** The memory download that feeds the preview (progress, skipped peers). */
  get preview(): Download | undefined {
    return this.#preview
  }
  get previewUrl(): string | undefined {
    return this.#previewUrl
  }
  /** The isolated view (opaque origin) of the preview, for "Open in a new tab"; never a blob: URL. */
  get viewUrl(): string | undefined {
    return this.#view?.url
  }
  get previewText(): string | undefined {
    return this.#previewText
  }
  get download(): Download | undefined {
    return this.#download
  }
  get hintPeers(): string[] {
    return this.#hintPeers.map(shortPeerId)
  }
  /** Peers the guest is connected to directly right now (for tests and DevTools). */
  directPeers(): string[] {
    return this.#network?.directPeers() ?? []
  }

  /** Connects and opens the manifest; never throws (failures become `problem`). */
  async start(): Promise<void> {
    const cap = this.#capability
    if (cap === undefined) return
    const signal = this.#controller.signal
    try {
      let relays = this.#hintRelays
      if (relays.length === 0) relays = await this.#deps.fetchRelays({ signal })
      if (relays.length === 0) {
        this.#fail({
          kind: 'no-relay',
          title: 'Coffer cannot reach the co-op',
          message:
            'The link does not say which relay server introduces the co-op’s devices, and this server did not name one either.',
          advice: 'Ask the sender for a new link, made with an up-to-date Coffer.',
        })
        return
      }
      this.#guest = await this.#deps.createGuest(relays, { signal })
      this.#network = libp2pDownloadNetwork(this.#guest.libp2p, {
        relays: this.#guest.relays,
        relayIds: this.#guest.relayIds,
        keepers: this.#guest.keepers ?? [],
      })
      this.#phase = 'opening'
      const { opened, stream } = await openDownload(cap, {
        network: this.#network,
        peers: this.#hintPeers,
        signal,
        onWait: (w) => {
          this.#wait = w
        },
      })
      await stream.cancel()
      this.#wait = undefined
      this.#name = opened.envelope.name
      this.#type = opened.envelope.type
      this.#size = opened.envelope.size
      if (this.previewKind === 'video' || this.previewKind === 'audio') this.#offerStream()
      this.#phase = 'ready'
      // Holders whose first dial failed are dialled again while the reader decides, so the
      // download spreads over (and checks) every holder the link names from its first stripe.
      keepConnected(this.#network, this.#hintPeers, { signal }).catch(() => {})
      if (this.previewKind !== undefined && !this.#streamed && !this.previewTooLarge) {
        this.#startPreview()
      }
    } catch (err) {
      if (signal.aborted) return
      this.#fail(explainLinkProblem(err))
    }
  }

  #fail(problem: LinkProblem): void {
    this.#phase = 'failed'
    this.#problem = problem
  }

  /**
   * A player asks the service worker for byte ranges as it plays and seeks; each range is
   * fetched and decoded on its own, so playback starts after its first stripes and memory
   * stays flat whatever the file's size. Without a service worker, the in-memory preview.
   */
  #offerStream(): void {
    const cap = this.#capability
    const network = this.#network
    const essence = previewOf(this.#type)?.essence
    if (cap === undefined || network === undefined || essence === undefined) return
    const signal = this.#controller.signal
    const view = offerView(
      {
        size: this.#size,
        type: essence,
        open: async (range) =>
          (await openDownload(cap, { network, peers: this.#hintPeers, range, signal })).stream,
      },
      this.#name,
    )
    if (view === undefined) return
    this.#view = view
    this.#previewUrl = view.url
    this.#streamed = true
  }

  #startPreview(): void {
    const preview = this.#begin('memory')
    this.#preview = preview
    void preview.finished.then(async () => {
      const blob = preview.blob
      if (blob === undefined) return
      if (this.previewKind === 'text') {
        this.#previewText = (await blob.slice(0, TEXT_PREVIEW_CHARS * 4).text()).slice(
          0,
          TEXT_PREVIEW_CHARS,
        )
        return
      }
      const essence = previewOf(this.#type)?.essence
      if (essence === undefined) return
      // The bytes are typed from the allowlist, never with the uploader's string.
      const typed = new Blob([blob], { type: essence })
      this.#view = offerView(typed, this.#name)
      // Without a service worker the element shows a blob: URL (image, audio and video only,
      // which render as media even when opened as a document) and no new-tab link is offered.
      this.#previewUrl = this.#view?.url ?? URL.createObjectURL(typed)
    })
  }

  #begin(save: SaveChoice): Download {
    if (this.#capability === undefined || this.#network === undefined) {
      throw new Error('the file is not open')
    }
    return startDownload({
      capability: this.#capability,
      network: this.#network,
      name: this.#name,
      peers: this.#hintPeers,
      save,
    })
  }

  /**
   * The Download button. Call from the click handler (the save picker needs the gesture). A
   * finished preview already holds the exact bytes, so it is saved from memory without
   * fetching again.
   */
  saveFile(save: SaveChoice = 'auto'): Download | undefined {
    if (this.#phase !== 'ready') return undefined
    const blob = this.#preview?.blob
    if (blob !== undefined && save === 'auto') {
      saveBlob(blob, this.#name)
      this.#download = this.#preview
      return this.#preview
    }
    this.#download = this.#begin(save)
    return this.#download
  }

  async stop(): Promise<void> {
    this.#controller.abort()
    this.#preview?.cancel()
    this.#download?.cancel()
    if (this.#view !== undefined) this.#view.revoke()
    else if (this.#previewUrl) URL.revokeObjectURL(this.#previewUrl)
    await this.#guest?.stop()
  }
}

/** Hands a finished in-memory file to the browser's download manager. */
export function saveBlob(blob: Blob, name: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob)
  const a = doc.createElement('a')
  a.href = url
  a.download = name
  a.hidden = true
  doc.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** The share page of this browser tab: guest node on the link's relays (or the server's). */
export function createBrowserSharePage(location: Location): SharePageState {
  return new SharePageState(location.hash, {
    createGuest: async (relays, options) => {
      const { createGuestNode } = await import('../net/guest-node.ts')
      // The server's keepers hold shards of any file of its co-op: a guest dials them directly.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off address, not state
      const url = new URL('config.json', location.href).href
      const config = await fetchConfig(url, options).catch((err: unknown) => {
        log('no keepers from %s: %s', url, err)
        return undefined
      })
      return createGuestNode({ relays, keepers: config?.keepers ?? [] }, options)
    },
    fetchRelays: async (options) => {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off address, not state
      const url = new URL('config.json', location.href).href
      return (await fetchConfig(url, options))?.relays ?? []
    },
  })
}
