import type { CID } from 'multiformats/cid'
import {
  fetchStripe,
  stripeDecodeInput,
  localHasher,
  localStripeCodec,
  NotEnoughShardsError,
  openManifest,
  PlaintextHashMismatchError,
  type BlockSource,
  type OpenedManifest,
  type ReadCapability,
  type StripeCodec,
} from '../../core/index.ts'
import { BlockNotFoundError } from '../../net/fetch/errors.ts'
import { CorruptBlockError } from '../../net/exchange/errors.ts'
import { NoHolderError } from '../../net/store/errors.ts'
import { pause } from '../pause.ts'
import { DownloadCancelledError, ManifestUnavailableError } from './errors.ts'

/**
 * What the download engine needs from a node: a member's co-op node and a share-link guest
 * both provide it (src/state/download-network.ts), and unit tests pass an in-memory one.
 */
export interface DownloadNetwork {
  /** Peers with an open direct (unlimited) connection right now. */
  directPeers(): string[]
  /** The block, already checked against `cid` (CorruptBlockError when it does not match). */
  fetch(peer: string, cid: CID, options: { signal: AbortSignal }): Promise<Uint8Array>
  whoHas(peer: string, cids: CID[], options: { signal: AbortSignal }): Promise<boolean[]>
  /** Opens a direct connection to `peer` (through a relay); rejects when it cannot. */
  connect?(peer: string, options: { signal: AbortSignal }): Promise<void>
  /** Calls `listener` when peers connect or go away; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}

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
}

export interface OpenedDownload {
  opened: OpenedManifest
  /** The plaintext, in order; errors with PlaintextHashMismatchError if the whole-file hash fails. */
  stream: ReadableStream<Uint8Array>
}

const DEFAULT_STRIPE_CONCURRENCY = 4
const DEFAULT_HEDGE_MS = 5_000
const DEFAULT_RETRY_MS = 3_000
const DEFAULT_REDIAL_MS = 3_000
const MAX_HAS_CIDS = 1024

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

/**
 * Who holds which block, and the choice of holder per request: connected holders first, the
 * least busy one first, so the shards of a stripe come over different connections at once.
 */
export class HolderBook {
  readonly #network: DownloadNetwork
  readonly #byCid = new Map<string, Set<string>>()
  /** Per peer, the CIDs it was asked about (`has`) since it last connected. */
  readonly #asked = new Map<string, Set<string>>()
  readonly #bad = new Set<string>()
  readonly #known = new Set<string>()
  readonly #busy = new Map<string, number>()
  readonly #failedAt = new Map<string, number>()
  readonly #connecting = new Map<string, Promise<boolean>>()
  readonly #redialMs: number
  readonly #onBadPeer: ((peer: string, cid: CID) => void) | undefined

  constructor(
    network: DownloadNetwork,
    options: { redialMs?: number; onBadPeer?: (peer: string, cid: CID) => void } = {},
  ) {
    this.#network = network
    this.#redialMs = options.redialMs ?? DEFAULT_REDIAL_MS
    this.#onBadPeer = options.onBadPeer
  }

  /** Peers caught serving bad bytes. */
  get badPeers(): string[] {
    return [...this.#bad]
  }

  add(cid: string, peer: string): void {
    let set = this.#byCid.get(cid)
    if (set === undefined) this.#byCid.set(cid, (set = new Set()))
    set.add(peer)
    this.#known.add(peer)
  }

  addPeers(peers: Iterable<string>): void {
    for (const p of peers) this.#known.add(p)
  }

  holders(cid: string): string[] {
    return [...(this.#byCid.get(cid) ?? [])]
  }

  /** Most shards of `cids` any one known holder has: how much one returning holder brings. */
  mostHeldByOne(cids: CID[]): number {
    const counts = new Map<string, number>()
    for (const c of cids) {
      for (const p of this.#byCid.get(c.toString()) ?? []) counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    return Math.max(1, ...counts.values())
  }

  /** A connected, trusted holder of `cid` exists right now. */
  reachable(cid: string, direct: Set<string>): boolean {
    for (const p of this.#byCid.get(cid) ?? []) {
      if (direct.has(p) && !this.#bad.has(p)) return true
    }
    return false
  }

  /** Asks every connected peer which of `cids` it has (what it was not asked already). */
  async discover(cids: CID[], signal: AbortSignal): Promise<void> {
    const direct = this.#network.directPeers()
    for (const p of [...this.#asked.keys()]) if (!direct.includes(p)) this.#asked.delete(p)
    await Promise.all(
      direct
        .filter((p) => !this.#bad.has(p))
        .map(async (peer) => {
          const asked = this.#asked.get(peer) ?? new Set<string>()
          const fresh = cids.filter((c) => !asked.has(c.toString()))
          try {
            for (let i = 0; i < fresh.length; i += MAX_HAS_CIDS) {
              const batch = fresh.slice(i, i + MAX_HAS_CIDS)
              const have = await this.#network.whoHas(peer, batch, { signal })
              have.forEach((yes, j) => {
                const cid = batch[j]!.toString()
                asked.add(cid)
                if (yes) this.add(cid, peer)
              })
            }
            this.#asked.set(peer, asked)
          } catch {
            // Not a Coffer peer, or gone: asked again when it reconnects.
          }
        }),
    )
    signal.throwIfAborted()
  }

  /** Some known, trusted peer is not connected directly. */
  unreached(): boolean {
    const direct = new Set(this.#network.directPeers())
    return [...this.#known].some((p) => !direct.has(p) && !this.#bad.has(p))
  }

  /** Dials the known peers that are not connected (each at most once per redial period). */
  async connectKnown(signal: AbortSignal): Promise<void> {
    if (this.#network.connect === undefined) return
    const direct = new Set(this.#network.directPeers())
    const dials = [...this.#known]
      .filter((p) => !direct.has(p) && !this.#bad.has(p))
      .map((p) => this.#connect(p, signal))
    await Promise.all(dials)
    signal.throwIfAborted()
  }

  #connect(peer: string, signal: AbortSignal): Promise<boolean> {
    const network = this.#network
    if (network.connect === undefined) return Promise.resolve(false)
    const pending = this.#connecting.get(peer)
    if (pending) return pending
    const failedAt = this.#failedAt.get(peer)
    if (failedAt !== undefined && Date.now() - failedAt < this.#redialMs) {
      return Promise.resolve(false)
    }
    const p = network
      .connect(peer, { signal })
      .then(
        () => {
          this.#failedAt.delete(peer)
          return true
        },
        () => {
          this.#failedAt.set(peer, Date.now())
          return false
        },
      )
      .finally(() => this.#connecting.delete(peer))
    this.#connecting.set(peer, p)
    return p
  }

  /** The block source the decoder pulls from. */
  source(): BlockSource {
    return {
      get: async (cid, { signal }) => {
        const key = cid.toString()
        const tried = new Set<string>()
        const errors: unknown[] = []
        for (;;) {
          signal.throwIfAborted()
          const direct = new Set(this.#network.directPeers())
          const options = this.holders(key).filter((p) => !this.#bad.has(p) && !tried.has(p))
          let peer = options
            .filter((p) => direct.has(p))
            .sort((a, b) => (this.#busy.get(a) ?? 0) - (this.#busy.get(b) ?? 0))[0]
          if (peer === undefined) {
            for (const p of options) {
              tried.add(p)
              if (await this.#connect(p, signal)) {
                peer = p
                break
              }
            }
          }
          if (peer === undefined) {
            throw new NoHolderError(`no reachable holder has ${key}`, { cause: errors })
          }
          tried.add(peer)
          this.#busy.set(peer, (this.#busy.get(peer) ?? 0) + 1)
          try {
            return await this.#network.fetch(peer, cid, { signal })
          } catch (err) {
            signal.throwIfAborted()
            errors.push(err)
            if (err instanceof CorruptBlockError) {
              this.#bad.add(peer)
              try {
                this.#onBadPeer?.(peer, cid)
              } catch {
                // a reporting problem must not stop the download
              }
            } else if (err instanceof BlockNotFoundError) {
              this.#byCid.get(key)?.delete(peer)
            }
          } finally {
            this.#busy.set(peer, (this.#busy.get(peer) ?? 1) - 1)
          }
        }
      },
    }
  }
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
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
    } catch {
      // the UI's problem
    }
  }

  let opened: OpenedManifest
  /** Every shard of the file: asked about when the download starts and when a holder joins. */
  let all: CID[]
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
    all = opened.manifest.layout.stripes.flatMap((s) => s.shards)
    await book.discover(all, signal)
  } catch (err) {
    outer?.removeEventListener('abort', onOuterAbort)
    if (signal.aborted) throw cancelled(signal)
    if (err instanceof NoHolderError) throw new ManifestUnavailableError(err.message)
    throw err
  }

  const { layout } = opened.manifest
  const ahead = Math.max(1, options.stripeConcurrency ?? DEFAULT_STRIPE_CONCURRENCY)
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

  const hash = codec.createHasher?.() ?? localHasher()
  const queue: Promise<Uint8Array>[] = []
  let scheduled = 0
  let emitted = 0
  let bytesOut = 0
  /**
   * Each decoded stripe goes to the hasher as soon as it and every stripe before it are
   * decoded: moved to the hash worker and back rather than copied, without the reader waiting
   * for one stripe's round trip before the next is sent.
   */
  let hashed: Promise<unknown> = Promise.resolve()
  const fill = (): void => {
    while (queue.length < ahead && scheduled < layout.segments) {
      const decoded = decodeOne(scheduled++)
      const p = hashed.then(() => decoded).then((plaintext) => ({ back: hash.take(plaintext) }))
      hashed = p
      const out = p.then((r) => r.back)
      out.catch(() => {}) // observed in order by pull()
      queue.push(out)
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
  })().catch(() => {})
  const cleanup = (): void => {
    redialing.abort()
    outer?.removeEventListener('abort', onOuterAbort)
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(out) {
        try {
          if (signal.aborted) throw cancelled(signal)
          fill()
          const plaintext = await queue.shift()!
          bytesOut += plaintext.length
          emitted++
          if (plaintext.length > 0) out.enqueue(plaintext)
          options.onProgress?.({ bytes: bytesOut, stripes: emitted })
          if (emitted === layout.segments) {
            if (!sameBytes(await hash.digest({ signal }), opened.envelope.sha256)) {
              throw new PlaintextHashMismatchError('the file does not match its recorded SHA-256')
            }
            cleanup()
            out.close()
          } else {
            fill()
          }
        } catch (err) {
          cleanup()
          controller.abort(err)
          throw signal.aborted && !(err instanceof Error) ? cancelled(signal) : err
        }
      },
      cancel(reason) {
        cleanup()
        controller.abort(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return { opened, stream }
}
