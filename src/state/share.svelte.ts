import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { formatShareLink, MAX_LINK_HINTS, type ReadCapability } from '../core/index.ts'
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

/** The Share dialog: the link, a copy button and a QR code. */
export class ShareState {
  readonly link: string
  readonly name: string
  #qr = $state<string | undefined>()
  #copied = $state<'copied' | 'failed' | undefined>()

  constructor(input: ShareLinkInput) {
    this.link = shareLinkFor(input)
    this.name = input.file.name
  }

  /** The QR code as an SVG document string (undefined until rendered). */
  get qrSvg(): string | undefined {
    return this.#qr
  }

  get copied(): 'copied' | 'failed' | undefined {
    return this.#copied
  }

  async renderQr(): Promise<void> {
    const { toString } = await import('qrcode')
    this.#qr = await toString(this.link, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 })
  }

  async copy(
    clipboard: Pick<Clipboard, 'writeText'> | undefined = navigator.clipboard,
  ): Promise<void> {
    try {
      if (clipboard === undefined) throw new Error('no clipboard')
      await clipboard.writeText(this.link)
      this.#copied = 'copied'
    } catch (err) {
      // Shown as "copy failed"; the link stays on screen to copy by hand.
      log('clipboard refused the link: %s', err)
      this.#copied = 'failed'
    }
  }
}
