import { logger } from '@libp2p/logger'
import type { CID } from 'multiformats/cid'
import {
  fetchStripe,
  stripeDecodeInput,
  localHasher,
  localStripeCodec,
  NotEnoughShardsError,
  openManifest,
  plaintextSize,
  plaintextWindow,
  stripeStream,
  type PlaintextWindow,
  type BlockSource,
  type OpenedManifest,
  type ReadCapability,
  type StripeCodec,
} from '../../core/index.ts'
import { NoHolderError } from '../../net/store/errors.ts'
import { pause } from '../pause.ts'
import {
  DEFAULT_HEDGE_MS,
  DEFAULT_REDIAL_MS,
  DEFAULT_RETRY_MS,
  DOWNLOAD_STRIPES_AHEAD,
} from './constants.ts'
import { HolderBook, type DownloadNetwork } from './holder-book.ts'
import { DownloadCancelledError, ManifestUnavailableError } from './errors.ts'

const log = logger('coffer:engine:download')

export type { DownloadNetwork }

/** Why the download is waiting instead of moving on. */
export type DownloadWait =
  | { kind: 'manifest' }
  | {
      kind: 'shards'
      stripe: number
      /** Distinct shards of the stripe reachable now (valid holders online). */
      available: number
      needed: number
      /**
       * How many more holders must come online, assuming each returning holder brings as many
       * shards of the stripe as the most any known holder keeps.
       */
      missing: number
    }

export interface DownloadCallbacks {
  /** A holder served bytes that do not match their CID; it is not asked again. */
  onBadPeer?(peer: string, cid: CID): void
  /** Called with the reason when the download stalls, and with undefined when it moves on. */
  onWait?(wait: DownloadWait | undefined): void
  /** After each stripe is decoded and handed to the reader. */
  onProgress?(progress: { bytes: number; stripes: number }): void
}

export interface OpenDownloadOptions extends DownloadCallbacks {
  network: DownloadNetwork
  /** CID string → peers believed to hold it (the owner's receipts). */
  holders?: Map<string, string[]>
  /** Peers worth connecting to and asking (a share link's `p=` hints, receipt holders). */
  peers?: string[]
  codec?: StripeCodec
  signal?: AbortSignal
  /** Stripes fetched and decoded ahead of the reader; each keeps k requests in flight. */
  stripeConcurrency?: number
  /** A shard request unanswered for this long gets a parallel request for another shard. */
  hedgeAfterMs?: number
  /** How long to wait for a peer change before looking again when shards are missing. */
  retryMs?: number
  /** A peer that failed to connect is not dialled again for this long. */
  redialMs?: number
  /**
   * Only plaintext bytes [start, end) (an HTTP Range): only the stripes they lie in are
   * fetched and decoded. Each is authenticated by its GCM tag; the whole-file SHA-256 is not
   * checked, since it needs every byte.
   */
  range?: { start: number; end: number }
}

export interface OpenedDownload {
  opened: OpenedManifest
  /** The plaintext, in order; errors with PlaintextHashMismatchError if the whole-file hash fails. */
  stream: ReadableStream<Uint8Array>
}

function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DownloadCancelledError('the download was cancelled')
}

/** Resolves on the next peer change, after `ms`, or rejects when `signal` fires. */
function nextChange(network: DownloadNetwork, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      unsubscribe()
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      done()
      reject(cancelled(signal))
    }
    const timer = setTimeout(() => {
      done()
      resolve()
    }, ms)
    const unsubscribe = network.subscribe(() => {
      done()
      // Let the connection settle (identify, stream muxer) before asking it for blocks.
      setTimeout(resolve, 100)
    })
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Shards fetched for a stripe that has to be retried are kept, so only the missing are asked. */
function cachingSource(source: BlockSource, cache: Map<string, Uint8Array>): BlockSource {
  return {
    async get(cid, options) {
      const key = cid.toString()
      const hit = cache.get(key)
      if (hit) return hit
      const bytes = await source.get(cid, options)
      cache.set(key, bytes)
      return bytes
    },
  }
}

/**
 * From a read capability to the plaintext, over the network: finds the holders (given ones,
 * hinted peers, and every connected peer asked with `has`), fetches the manifest, opens it with
 * the key, then fetches any k shards per stripe, spread over different holders, a few stripes
 * ahead of the reader. A stripe short of shards waits for peers to come online and carries on
 * by itself; a holder serving bad bytes is reported and skipped.
 */
export async function openDownload(
  cap: ReadCapability,
  options: OpenDownloadOptions,
): Promise<OpenedDownload> {
  const { network } = options
  const controller = new AbortController()
  const outer = options.signal
  const onOuterAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted === true) controller.abort(outer.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  const signal = controller.signal
  const codec = options.codec ?? localStripeCodec
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS
  const book = new HolderBook(network, {
    redialMs: options.redialMs,
    onBadPeer: (peer, cid) => options.onBadPeer?.(peer, cid),
  })
  for (const [cid, peers] of options.holders ?? []) for (const p of peers) book.add(cid, p)
  book.addPeers(options.peers ?? [])
  const source = book.source()
  const wait = (w: DownloadWait | undefined): void => {
    try {
      options.onWait?.(w)
    } catch (err) {
      // A failing listener must not stop the download it reports on.
      log('onWait listener threw: %s', err)
    }
  }

  let opened: OpenedManifest
  /** Every shard to fetch: asked about when the download starts and when a holder joins. */
  let all: CID[]
  let span: PlaintextWindow | undefined
  try {
    await book.connectKnown(signal)
    for (;;) {
      await book.discover([cap.manifest], signal)
      let bytes: Uint8Array | undefined
      try {
        bytes = await source.get(cap.manifest, { signal })
      } catch (err) {
        if (!(err instanceof NoHolderError)) throw err
      }
      if (bytes !== undefined) {
        opened = await openManifest(bytes, cap.key, { cid: cap.manifest, signal })
        break
      }
      wait({ kind: 'manifest' })
      await nextChange(network, retryMs, signal)
      await book.connectKnown(signal)
    }
    wait(undefined)
    const { layout } = opened.manifest
    span =
      options.range === undefined
        ? undefined
        : plaintextWindow(layout, plaintextSize(layout), options.range)
    const needed =
      span === undefined ? layout.stripes : layout.stripes.slice(span.first, span.last + 1)
    all = needed.flatMap((s) => s.shards)
    await book.discover(all, signal)
  } catch (err) {
    outer?.removeEventListener('abort', onOuterAbort)
    if (signal.aborted) throw cancelled(signal)
    if (err instanceof NoHolderError) throw new ManifestUnavailableError(err.message)
    throw err
  }

  const { layout } = opened.manifest
  const ahead = Math.max(1, options.stripeConcurrency ?? DOWNLOAD_STRIPES_AHEAD)
  const hedgeAfterMs = options.hedgeAfterMs ?? DEFAULT_HEDGE_MS
  const waiting = new Set<number>()

  const decodeOne = async (index: number): Promise<Uint8Array> => {
    const cache = new Map<string, Uint8Array>()
    const stripe = layout.stripes[index]!
    for (;;) {
      try {
        const shards = await fetchStripe(opened, index, cachingSource(source, cache), {
          codec,
          signal,
          hedgeAfterMs,
        })
        if (waiting.delete(index) && waiting.size === 0) wait(undefined)
        // Nothing reads these shards again (the cache only serves retries of the fetch).
        return await codec.decodeStripe(stripeDecodeInput(opened, index, shards), {
          signal,
          moveShards: true,
        })
      } catch (err) {
        if (!(err instanceof NotEnoughShardsError) || signal.aborted) throw err
        const direct = new Set(network.directPeers())
        const available = stripe.shards.filter(
          (c) => cache.has(c.toString()) || book.reachable(c.toString(), direct),
        ).length
        waiting.add(index)
        const short = Math.max(1, layout.k - available)
        wait({
          kind: 'shards',
          stripe: index,
          available,
          needed: layout.k,
          // Holders seen so far tell how many shards of a stripe each keeps.
          missing: Math.ceil(short / book.mostHeldByOne(stripe.shards)),
        })
        await nextChange(network, retryMs, signal)
        await book.connectKnown(signal)
        await book.discover(stripe.shards, signal)
      }
    }
  }

  // A holder that could not be reached at first is dialled again while the download runs: with
  // k shards per stripe on the others the download would otherwise never use it (fewer
  // connections at once) nor check its bytes.
  const redialing = new AbortController()
  const redialSignal = AbortSignal.any([signal, redialing.signal])
  const redialMs = options.redialMs ?? DEFAULT_REDIAL_MS
  void (async () => {
    while (network.connect !== undefined && book.unreached()) {
      await pause(redialMs, redialSignal)
      const before = new Set(network.directPeers())
      await book.connectKnown(redialSignal)
      if (network.directPeers().some((p) => !before.has(p))) await book.discover(all, redialSignal)
    }
  })().catch((err: unknown) => {
    // The download goes on with the holders it has; it ended or was cancelled if aborted.
    if (!redialSignal.aborted) log('redialling known holders stopped: %s', err)
  })

  const stream = stripeStream(decodeOne, {
    segments: layout.segments,
    ...(span === undefined ? {} : { window: span }),
    sha256: opened.envelope.sha256,
    hasher: codec.createHasher?.() ?? localHasher(),
    ahead,
    controller,
    aborted: cancelled,
    onStripe: ({ stripe, bytesOut }) =>
      options.onProgress?.({ bytes: bytesOut, stripes: stripe + 1 }),
    onEnd: () => {
      redialing.abort()
      outer?.removeEventListener('abort', onOuterAbort)
    },
  })
  return { opened, stream }
}
