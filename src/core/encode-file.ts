import type { Block } from './block.ts'
import type { ReadCapability } from './capability.ts'
import {
  DEFAULT_K,
  DEFAULT_N,
  DEFAULT_SEGMENT_SIZE,
  DEFAULT_STRIPE_CONCURRENCY,
  FILE_ID_BYTES,
  KEY_BYTES,
  MANIFEST_VERSION,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
} from './constants.ts'
import { MAX_SHARDS } from './erasure/index.ts'
import { InvalidParametersError, ManifestTooLargeError } from './errors.ts'
import {
  encodeManifest,
  maxPlaintextSize,
  sealManifestEnvelope,
  validateEnvelope,
  type Envelope,
  type Manifest,
  type StripeLayout,
} from './manifest.ts'
import { abortError, SegmentBufferPool, segmentStream } from './segmenter.ts'
import {
  localHasher,
  localStripeCodec,
  type EncodedStripe,
  type EncodeStripeResult,
  type StripeCodec,
} from './stripe.ts'

export interface FileMeta {
  name: string
  /** Media type, e.g. `File.type`; empty when unknown. */
  type?: string
}

export interface EncodeFileOptions {
  signal?: AbortSignal
  segmentSize?: number
  k?: number
  n?: number
  /** Where the per-stripe work runs; defaults to this thread. Pass the worker pool in a page. */
  codec?: StripeCodec
  /** Stripes being encoded ahead of the consumer (back-pressure bound). */
  concurrency?: number
  /** Tests only: a fixed key / file id / clock make the output deterministic. */
  key?: Uint8Array
  fileId?: Uint8Array
  random?: (length: number) => Uint8Array
  now?: () => number
}

export interface StripeEvent extends EncodedStripe {
  type: 'stripe'
  /** Plaintext bytes consumed so far, for progress bars. */
  bytesIn: number
}

export interface ManifestEvent {
  type: 'manifest'
  block: Block
  manifest: Manifest
  envelope: Envelope
  capability: ReadCapability
}

export type EncodeEvent = StripeEvent | ManifestEvent

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length))
}

function checkParams(segmentSize: number, k: number, n: number, concurrency: number): void {
  if (
    !Number.isInteger(segmentSize) ||
    segmentSize < MIN_SEGMENT_SIZE ||
    segmentSize > MAX_SEGMENT_SIZE
  ) {
    throw new InvalidParametersError(`segment size must be ${MIN_SEGMENT_SIZE}–${MAX_SEGMENT_SIZE}`)
  }
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || k >= n || n > MAX_SHARDS) {
    throw new InvalidParametersError(`need integers 1 ≤ k < n ≤ ${MAX_SHARDS}`)
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidParametersError('concurrency must be a positive integer')
  }
}

/**
 * Encrypts and erasure-codes a stream. Yields each stripe's n shard blocks as soon as they are
 * ready (in order), then one final `manifest` event with the manifest block and the read
 * capability. Work stays at most `concurrency` stripes ahead of the consumer, so a slow upload
 * slows reading instead of filling memory.
 */
export async function* encodeFile(
  stream: ReadableStream<Uint8Array>,
  meta: FileMeta,
  options: EncodeFileOptions = {},
): AsyncGenerator<EncodeEvent, void, undefined> {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE
  const k = options.k ?? DEFAULT_K
  const n = options.n ?? DEFAULT_N
  const concurrency = options.concurrency ?? DEFAULT_STRIPE_CONCURRENCY
  checkParams(segmentSize, k, n, concurrency)
  const random = options.random ?? randomBytes
  const key = options.key ?? random(KEY_BYTES)
  const fileId = options.fileId ?? random(FILE_ID_BYTES)
  if (key.length !== KEY_BYTES || fileId.length !== FILE_ID_BYTES) {
    throw new InvalidParametersError('key must be 32 bytes and file id 16 bytes')
  }
  const type = meta.type ?? ''
  // Fail before reading the file rather than after uploading it.
  validateEnvelope({ name: meta.name, type, size: 0, sha256: new Uint8Array(32), created: 0 })
  const codec = options.codec ?? localStripeCodec
  const { signal } = options
  const hash = codec.createHasher?.() ?? localHasher()
  // Segment buffers go round: stream → stripe codec → plaintext hash → stream again.
  const buffers = new SegmentBufferPool(segmentSize, concurrency + 2)
  const stripes: StripeLayout[] = []
  const inflight: { promise: Promise<EncodeStripeResult>; bytesIn: number }[] = []
  const hashing: Promise<void>[] = []
  let bytesIn = 0

  const settle = async function* (): AsyncGenerator<StripeEvent> {
    if (signal?.aborted) throw abortError(signal)
    const head = inflight.shift()!
    const { plaintext, ...encoded } = await head.promise
    if (signal?.aborted) throw abortError(signal)
    // The hash takes the segments in order, after encryption, so that each buffer crosses to a
    // worker and back instead of being copied; a hashing failure surfaces in digest().
    hashing.push(
      hash.take(plaintext).then(
        (back) => buffers.release(back),
        () => {},
      ),
    )
    // Bounds the buffers waiting in the hash queue when hashing is the slowest stage.
    while (hashing.length > concurrency) await hashing.shift()
    stripes.push({
      length: encoded.length,
      shardSize: encoded.shardSize,
      shards: encoded.shards.map((s) => s.cid),
    })
    yield { type: 'stripe', bytesIn: head.bytesIn, ...encoded }
  }

  try {
    const maxSize = maxPlaintextSize(segmentSize, n)
    const segments = segmentStream(stream, segmentSize, signal ? { signal, buffers } : { buffers })
    for await (const segment of segments) {
      if (bytesIn + segment.bytes.length > maxSize) {
        // Stop now rather than after the whole file has been encoded and uploaded.
        throw new ManifestTooLargeError(
          `files above ${maxSize} bytes need a larger segment size than ${segmentSize}`,
        )
      }
      bytesIn += segment.bytes.length
      const promise = codec.encodeStripe(
        { key, fileId, index: segment.index, final: segment.final, k, n, plaintext: segment.bytes },
        signal ? { signal } : {},
      )
      promise.catch(() => {}) // observed when settled in order below
      inflight.push({ promise, bytesIn })
      if (inflight.length >= concurrency) yield* settle()
    }
    while (inflight.length > 0) yield* settle()
  } finally {
    inflight.length = 0
  }
  if (signal?.aborted) throw abortError(signal)

  const sha256 = await hash.digest(signal ? { signal } : {})
  const envelope: Envelope = {
    name: meta.name,
    type,
    size: bytesIn,
    sha256,
    created: (options.now ?? Date.now)(),
  }
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    layout: { fileId, segmentSize, k, n, segments: stripes.length, stripes },
    envelope: await sealManifestEnvelope(key, fileId, envelope),
  }
  const block = await encodeManifest(manifest)
  yield {
    type: 'manifest',
    block,
    manifest,
    envelope,
    capability: { kind: 'read', manifest: block.cid, key },
  }
}
