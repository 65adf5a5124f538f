import type { CID } from 'multiformats/cid'
import { equals } from './bytes.ts'
import type { ReadCapability } from './capability.ts'
import { DEFAULT_STRIPE_CONCURRENCY } from './constants.ts'
import { NotEnoughShardsError, PlaintextHashMismatchError } from './errors.ts'
import { openManifest, type OpenedManifest } from './manifest.ts'
import type { PlaintextWindow } from './plaintext-window.ts'
import { abortError } from './segmenter.ts'
import {
  localHasher,
  localStripeCodec,
  type DecodeStripeInput,
  type PlaintextHasher,
  type StripeCodec,
} from './stripe.ts'

/** Where shards (and the manifest) come from: a blockstore, the network, a test double. */
export interface BlockSource {
  get(cid: CID, options: { signal: AbortSignal }): Promise<Uint8Array>
}

export interface ShardReport {
  cid: CID
  stripe: number
  /** Position of the shard in its stripe (0…n−1). */
  index: number
}

export interface DecodeFileOptions {
  signal?: AbortSignal
  codec?: StripeCodec
  /** Stripes fetched and decoded ahead of the reader. */
  stripeConcurrency?: number
  /**
   * A shard request still unanswered after this many ms gets a parallel request for another
   * shard of the stripe (the slow one keeps running). Undefined: never hedge.
   */
  hedgeAfterMs?: number
  /** A source answered with bytes that do not match the CID: its holder should be reported. */
  onBadShard?: (report: ShardReport) => void
  /** A source failed to deliver a shard. */
  onShardError?: (report: ShardReport & { error: unknown }) => void
  /** Called after each stripe is written out. */
  onProgress?: (progress: { stripe: number; bytesOut: number }) => void
}

/**
 * Fetches any k valid shards of one stripe: starts with the data shards (no decoding needed
 * when all arrive), moves on to further shards when one fails or is bad, and never keeps more
 * than k requests going unless hedging a slow one.
 */
export function fetchStripe(
  opened: OpenedManifest,
  stripeIndex: number,
  source: BlockSource,
  options: DecodeFileOptions & { signal: AbortSignal },
): Promise<(Uint8Array | undefined)[]> {
  const { k, n } = opened.manifest.layout
  const stripe = opened.manifest.layout.stripes[stripeIndex]!
  const codec = options.codec ?? localStripeCodec
  const shards: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n).fill(undefined)
  const controller = new AbortController()
  const outer = options.signal
  return new Promise((resolve, reject) => {
    let have = 0
    let active = 0
    let slow = 0
    let next = 0
    let settled = false
    const onAbort = (): void => finish(abortError(outer))
    outer.addEventListener('abort', onAbort, { once: true })

    function finish(error?: Error): void {
      if (settled) return
      settled = true
      outer.removeEventListener('abort', onAbort)
      controller.abort()
      if (error) reject(error)
      else resolve(shards)
    }

    function pump(): void {
      if (settled) return
      if (have >= k) return finish()
      while (have + active - slow < k && next < n) start(next++)
      if (active === 0 && have < k) {
        finish(
          new NotEnoughShardsError(
            `stripe ${stripeIndex}: only ${have} of the ${k} shards needed could be fetched`,
            stripeIndex,
            have,
            k,
          ),
        )
      }
    }

    function start(index: number): void {
      const cid = stripe.shards[index]!
      active++
      let isSlow = false
      const timer =
        options.hedgeAfterMs === undefined
          ? undefined
          : setTimeout(() => {
              isSlow = true
              slow++
              pump()
            }, options.hedgeAfterMs)
      let counted = true
      const done = (): void => {
        if (!counted) return
        counted = false
        clearTimeout(timer)
        active--
        if (isSlow) slow--
      }
      // A throwing callback must not unbalance the counters or stall the stripe.
      const report = (fn: () => void): void => {
        try {
          fn()
        } catch {
          // the caller's problem; decoding goes on
        }
      }
      source
        .get(cid, { signal: controller.signal })
        .then(async (bytes) => {
          if (settled) return
          const ok =
            bytes instanceof Uint8Array &&
            bytes.length === stripe.shardSize &&
            (await codec.verifyShard(cid, bytes, { signal: controller.signal }))
          done()
          if (settled) return
          if (ok) {
            shards[index] = bytes
            have++
          } else {
            report(() => options.onBadShard?.({ cid, stripe: stripeIndex, index }))
          }
          pump()
        })
        .catch((error: unknown) => {
          done()
          if (settled) return
          report(() => options.onShardError?.({ cid, stripe: stripeIndex, index, error }))
          pump()
        })
    }

    if (outer.aborted) finish(abortError(outer))
    else pump()
  })
}

/** What the stripe codec needs to rebuild and decrypt stripe `index` from fetched shards. */
export function stripeDecodeInput(
  opened: OpenedManifest,
  index: number,
  shards: readonly (Uint8Array | undefined)[],
): DecodeStripeInput {
  const { layout } = opened.manifest
  return {
    key: opened.key,
    fileId: layout.fileId,
    index,
    final: index === layout.segments - 1,
    k: layout.k,
    n: layout.n,
    length: layout.stripes[index]!.length,
    shards,
  }
}

export interface StripeStreamInit {
  /** Stripes in the file; the stream closes after the last. */
  segments: number
  /**
   * Only these bytes (a Range request): only the stripes they lie in are decoded, each still
   * authenticated by its GCM tag; the whole-file hash, which needs every byte, is not checked.
   */
  window?: PlaintextWindow
  /** The whole-file SHA-256 sealed in the envelope. */
  sha256: Uint8Array
  hasher: PlaintextHasher
  /** Stripes decoded ahead of the reader. */
  ahead: number
  /** Aborted by the stream when it errors or is cancelled; its signal goes to `decodeOne`. */
  controller: AbortController
  /** The error to raise once `controller` has been aborted from outside. */
  aborted: (signal: AbortSignal) => Error
  /** After each stripe is handed to the reader. */
  onStripe?: (progress: { stripe: number; bytesOut: number }) => void
  /** Once, when the stream closes, errors or is cancelled. */
  onEnd?: () => void
}

/**
 * The one decode pipeline: runs `decodeOne` for each stripe, `ahead` of the reader, emits the
 * plaintexts in order and checks the whole-file SHA-256 after the last byte (a mismatch errors
 * the stream at its end: PlaintextHashMismatchError). Where the shards come from, and what a
 * stripe short of shards does, is `decodeOne`'s business.
 */
export function stripeStream(
  decodeOne: (index: number, signal: AbortSignal) => Promise<Uint8Array>,
  init: StripeStreamInit,
): ReadableStream<Uint8Array> {
  const { controller, hasher, window: span } = init
  const signal = controller.signal
  const queue: Promise<Uint8Array>[] = []
  const segments = span === undefined ? init.segments : span.last + 1
  let scheduled = span?.first ?? 0
  let emitted = scheduled
  let bytesOut = 0
  let skip = span?.skip ?? 0
  let left = span?.take ?? Infinity
  // Each decoded stripe goes to the hasher once it and every stripe before it are decoded:
  // moved to a hash worker and back rather than copied, without the reader waiting for one
  // stripe's round trip before the next is sent.
  let hashed: Promise<unknown> = Promise.resolve()
  const fill = (): void => {
    while (queue.length < init.ahead && scheduled < segments) {
      const decoded = decodeOne(scheduled++, signal)
      // Observed through `out` below, unless an earlier stripe failed first and ended the stream.
      decoded.catch(() => {})
      if (span !== undefined) {
        queue.push(decoded)
        continue
      }
      const took = hashed
        .then(() => decoded)
        .then((plaintext) => ({ back: hasher.take(plaintext) }))
      hashed = took
      const out = took.then((r) => r.back)
      out.catch(() => {}) // observed in order by pull()
      queue.push(out)
    }
  }
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    init.onEnd?.()
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(stream) {
        try {
          if (signal.aborted) throw init.aborted(signal)
          fill()
          let plaintext = await queue.shift()!
          if (span !== undefined) {
            plaintext = plaintext.subarray(skip, skip + left)
            skip = 0
            left -= plaintext.length
          }
          bytesOut += plaintext.length
          const stripe = emitted++
          if (plaintext.length > 0) stream.enqueue(plaintext)
          init.onStripe?.({ stripe, bytesOut })
          if (emitted === segments) {
            if (span === undefined && !equals(await hasher.digest({ signal }), init.sha256)) {
              throw new PlaintextHashMismatchError('the file does not match its recorded SHA-256')
            }
            end()
            stream.close()
          } else {
            fill()
          }
        } catch (err) {
          end()
          controller.abort(err)
          throw err instanceof Error ? err : init.aborted(signal)
        }
      },
      cancel(reason) {
        end()
        controller.abort(reason)
      },
    },
    { highWaterMark: 0 },
  )
}

/**
 * Streams the plaintext of an opened manifest. Stripes arrive in order; each is authenticated
 * by AES-GCM before any of its bytes are emitted. The whole-file SHA-256 can only be checked
 * after the last byte: a mismatch errors the stream at its end (PlaintextHashMismatchError).
 */
export function decodeFile(
  opened: OpenedManifest,
  source: BlockSource,
  options: DecodeFileOptions = {},
): ReadableStream<Uint8Array> {
  const { layout } = opened.manifest
  const codec = options.codec ?? localStripeCodec
  const controller = new AbortController()
  const outer = options.signal
  const onOuterAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted === true) controller.abort(outer.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  return stripeStream(
    async (index, signal) => {
      const shards = await fetchStripe(opened, index, source, { ...options, signal })
      return codec.decodeStripe(stripeDecodeInput(opened, index, shards), { signal })
    },
    {
      segments: layout.segments,
      sha256: opened.envelope.sha256,
      hasher: codec.createHasher?.() ?? localHasher(),
      ahead: Math.max(1, options.stripeConcurrency ?? DEFAULT_STRIPE_CONCURRENCY),
      controller,
      aborted: abortError,
      ...(options.onProgress ? { onStripe: options.onProgress } : {}),
      onEnd: () => outer?.removeEventListener('abort', onOuterAbort),
    },
  )
}

/**
 * From a read capability to a plaintext stream: fetches the manifest, checks it against the
 * capability's CID, opens the envelope (WrongKeyError on a wrong key) and starts decoding.
 */
export async function openFile(
  cap: ReadCapability,
  source: BlockSource,
  options: DecodeFileOptions = {},
): Promise<{ opened: OpenedManifest; stream: ReadableStream<Uint8Array> }> {
  const signal = options.signal ?? new AbortController().signal
  signal.throwIfAborted()
  const bytes = await source.get(cap.manifest, { signal })
  const opened = await openManifest(bytes, cap.key, { cid: cap.manifest, signal })
  return { opened, stream: decodeFile(opened, source, options) }
}
