import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { formatShareLink, type ReadCapability } from '../core/index.ts'
import { linkHints, type LinkHintInput } from './share-hints.ts'
import { EMBED_PATH } from '../core/security-headers.ts'
import type { FileRecord } from '../storage/db.ts'

const log = logger('coffer:state:share')

export interface ShareLinkInput {
  file: Pick<FileRecord, 'manifestCid' | 'key' | 'name'> &
    Partial<Pick<FileRecord, 'k' | 'n' | 'size' | 'segmentSize'>>
  /** The app's address, origin and path (e.g. "https://coffer.example/"). */
  baseUrl: string
  /** The co-op's relay multiaddrs: how a stranger's browser reaches the holders. */
  relays: string[]
  /**
   * Holders of the file: CID string → peer ids (from the receipts, `holdersByShard`), or a
   * plain list of peer ids. The peers holding the most shards go into the link first.
   */
  holders?: Map<string, string[]> | string[]
  /** Peer ids of the keepers the serving pod names: the share page dials them unasked. */
  keepers?: readonly string[]
}

export function capabilityOf(file: ShareLinkInput['file']): ReadCapability {
  if (file.manifestCid === undefined) throw new Error('the file has not finished uploading')
  return { kind: 'read', manifest: CID.parse(file.manifestCid), key: file.key }
}

/** k, n and the stripe count of a file, when its record says them all. */
function shapeOf(file: ShareLinkInput['file']): LinkHintInput['shape'] {
  const { k, n, size, segmentSize } = file
  if (k === undefined || n === undefined || size === undefined || !segmentSize) return undefined
  return { k, n, stripes: Math.max(1, Math.ceil(size / segmentSize)) }
}

/**
 * The share link of a file (docs/FORMAT.md §9): the read capability in the fragment (never sent
 * to a server), plus only the relays and holders a stranger's browser could not find from the
 * link's own address (its /config.json names the relay and the keepers), so that the link stays
 * short and its QR code readable.
 */
export function shareLinkFor(input: ShareLinkInput): string {
  const hints = linkHints({
    ...input,
    manifest: input.file.manifestCid,
    shape: shapeOf(input.file),
  })
  return formatShareLink(input.baseUrl, capabilityOf(input.file), hints)
}

/**
 * QR options: level M restores 15% of the code (glare, a smudged screen, a moiré from the
 * camera), and the quiet zone is the 4 modules the standard asks for, which phone decoders need
 * to find the code on a busy page.
 */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const
/** Smallest module on screen, CSS pixels: about 1 mm, which a phone resolves at arm's length. */
export const QR_MODULE_PX = 4
/** Smallest QR code on screen, CSS pixels; the dialog narrows it on a small screen. */
export const QR_MIN_PX = 256

/**
 * What the embed snippet's frame may do (docs/ARCHITECTURE.md, Embedding): run the viewer's
 * scripts in its own origin (the pod's, never the embedding page's), whose service worker
 * streams the player and saves downloads, and save a download. Nothing else: no popups, no
 * navigating the embedding page, no forms, no dialogs.
 */
export const EMBED_SANDBOX = 'allow-scripts allow-same-origin allow-downloads'

/** The embeddable viewer's address: `<app>embed` and the share link's fragment (the key). */
export function embedUrlFor(input: ShareLinkInput): string {
  const link = shareLinkFor(input)
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off address, not state
  return new URL(EMBED_PATH, input.baseUrl).href + link.slice(link.indexOf('#'))
}

/** `text` as an HTML attribute value in double quotes: the name is the uploader's choice. */
function attribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
}

/** The `<iframe>` another site pastes to show the file; see EMBED_SANDBOX. */
export function embedSnippet(url: string, name: string): string {
  return (
    `<iframe src="${attribute(url)}" title="${attribute(name)}, shared with Coffer" ` +
    `width="640" height="480" style="max-width:100%;border:0" sandbox="${EMBED_SANDBOX}" ` +
    `allow="fullscreen" referrerpolicy="no-referrer" loading="lazy"></iframe>`
  )
}

type CopyResult = 'copied' | 'failed' | undefined

/** The Share dialog: the link, the embed snippet, copy buttons and a QR code. */
export class ShareState {
  readonly link: string
  readonly snippet: string
  readonly name: string
  #qr = $state<string | undefined>()
  #copied = $state<CopyResult>()
  #snippetCopied = $state<CopyResult>()

  constructor(input: ShareLinkInput) {
    this.link = shareLinkFor(input)
    this.name = input.file.name
    this.snippet = embedSnippet(embedUrlFor(input), input.file.name)
  }

  /** The QR code as an SVG document string (undefined until rendered). */
  get qrSvg(): string | undefined {
    return this.#qr
  }

  get copied(): CopyResult {
    return this.#copied
  }

  get snippetCopied(): CopyResult {
    return this.#snippetCopied
  }

  async renderQr(): Promise<void> {
    const { create, toString } = await import('qrcode')
    // Whole pixels per module (blurred edges between modules are what cameras misread), and
    // at least QR_MIN_PX wide so that short links are not drawn tiny.
    const modules = create(this.link, QR_OPTIONS).modules.size + 2 * QR_OPTIONS.margin
    const width = modules * Math.max(QR_MODULE_PX, Math.ceil(QR_MIN_PX / modules))
    this.#qr = await toString(this.link, { type: 'svg', width, ...QR_OPTIONS })
  }

  async copy(
    clipboard: Pick<Clipboard, 'writeText'> | undefined = globalThis.navigator?.clipboard,
  ): Promise<void> {
    this.#copied = await copyText(this.link, clipboard)
  }

  async copySnippet(
    clipboard: Pick<Clipboard, 'writeText'> | undefined = globalThis.navigator?.clipboard,
  ): Promise<void> {
    this.#snippetCopied = await copyText(this.snippet, clipboard)
  }
}

async function copyText(
  text: string,
  clipboard: Pick<Clipboard, 'writeText'> | undefined,
): Promise<CopyResult> {
  try {
    if (clipboard === undefined) throw new Error('no clipboard')
    await clipboard.writeText(text)
    return 'copied'
  } catch (err) {
    // Shown as "copy failed"; the text stays on screen to copy by hand.
    log('clipboard refused the text: %s', err)
    return 'failed'
  }
}
