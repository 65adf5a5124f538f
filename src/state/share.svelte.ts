import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { formatShareLink, MAX_LINK_HINTS, type ReadCapability } from '../core/index.ts'
import { EMBED_PATH } from '../core/security-headers.ts'
import type { FileRecord } from '../storage/db.ts'

const log = logger('coffer:state:share')

export interface ShareLinkInput {
  file: Pick<FileRecord, 'manifestCid' | 'key' | 'name'>
  /** The app's address, origin and path (e.g. "https://coffer.example/"). */
  baseUrl: string
  /** The co-op's relay multiaddrs: how a stranger's browser reaches the holders. */
  relays: string[]
  /**
   * Holders of the file: CID string → peer ids (from the receipts, `holdersByShard`), or a
   * plain list of peer ids. The peers holding the most shards go into the link first.
   */
  holders?: Map<string, string[]> | string[]
}

/** Peers ranked by how many of the file's blocks each holds, at most `max`. */
export function rankHolders(holders: Map<string, string[]> | string[], max: number): string[] {
  if (Array.isArray(holders))
    return holders.filter((p, i) => holders.indexOf(p) === i).slice(0, max)
  const counts: Record<string, number> = {}
  for (const peers of holders.values()) {
    for (const p of peers) counts[p] = (counts[p] ?? 0) + 1
  }
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([p]) => p)
}

export function capabilityOf(file: ShareLinkInput['file']): ReadCapability {
  if (file.manifestCid === undefined) throw new Error('the file has not finished uploading')
  return { kind: 'read', manifest: CID.parse(file.manifestCid), key: file.key }
}

/**
 * The share link of a file: the read capability in the fragment (never sent to a server),
 * plus the relays and the likely holders, so a browser that is not a member can find them.
 */
export function shareLinkFor(input: ShareLinkInput): string {
  return formatShareLink(input.baseUrl, capabilityOf(input.file), {
    relays: input.relays.slice(0, MAX_LINK_HINTS),
    peers: rankHolders(input.holders ?? [], MAX_LINK_HINTS),
  })
}

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
    const { toString } = await import('qrcode')
    this.#qr = await toString(this.link, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 })
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
