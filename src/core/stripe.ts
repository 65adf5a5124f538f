import type { CID } from 'multiformats/cid'
import { blockMatches, rawBlock, type Block } from './block.ts'
import { TAG_BYTES } from './constants.ts'
import { createErasureCodec, type ErasureCodec } from './erasure/index.ts'
import { InvalidParametersError, ShardPaddingError } from './errors.ts'
import { Sha256 } from './sha256.ts'
import { decryptSegment, encryptSegment, importFileKey } from './segment-crypto.ts'

export interface StripeParams {
  /** Raw 32-byte file key (raw bytes rather than a CryptoKey so the input can cross to a worker). */
  key: Uint8Array
  fileId: Uint8Array
  index: number
  /** Whether this is the file's last segment; bound into the AAD so truncation is detected. */
  final: boolean
  k: number
  n: number
}

export interface EncodeStripeInput extends StripeParams {
  plaintext: Uint8Array
}

export interface EncodedStripe {
  index: number
  /** Ciphertext bytes (plaintext + 16-byte tag) before zero padding. */
  length: number
  /** Bytes in every shard of this stripe: ceil(length / k). */
  shardSize: number
  /** n blocks: k data shards, then n−k parity shards. */
  shards: Block[]
}

/** What `encodeStripe` gives back: the stripe, and the plaintext buffer for reuse. */
export interface EncodeStripeResult extends EncodedStripe {
  /**
   * The input's plaintext, once the codec no longer reads it: the same view, or a new view of
   * the same memory after a round trip to a worker. The caller may overwrite it.
   */
  plaintext: Uint8Array
}

export interface DecodeStripeInput extends StripeParams {
  length: number
  /** Length n; at least k present, each already checked against its CID. */
  shards: readonly (Uint8Array | undefined)[]
}

/** The shards of one stripe that a repair has, and which missing ones it wants back. */
export interface RebuildShardsInput {
  k: number
  n: number
  /** Length n; at least k present, each already checked against its CID, all one size. */
  shards: readonly (Uint8Array | undefined)[]
  /** Indices (0 ≤ i < n) of the shards to recompute. */
  want: readonly number[]
}

export interface StripeOptions {
  signal?: AbortSignal
}

export interface DecodeStripeOptions extends StripeOptions {
  /**
   * The caller is done with the shards and with the buffers they lie in (a fetched shard is a
   * view of its own message's buffer): a codec on another thread may move those buffers there
   * instead of copying the shards (they are unusable afterwards).
   */
  moveShards?: boolean
}

/** Incremental hash of the whole plaintext, fed in order; may run on another thread. */
export interface PlaintextHasher {
  /** The bytes are copied or consumed before this returns: the caller may transfer them next. */
  update(bytes: Uint8Array): void
  /**
   * Hashes `bytes` next, possibly moving them to the hashing thread rather than copying them;
   * the caller must not touch them until the promise gives them back (as a new view of the same
   * memory if they moved). Calls of `update` and `take` are hashed in call order.
   */
  take(bytes: Uint8Array): Promise<Uint8Array>
  digest(options?: StripeOptions): Promise<Uint8Array>
}

/**
 * The heavy per-stripe work. Implemented in-thread by `localStripeCodec` and, with the same
 * results, by the Web Worker pool in src/workers/.
 */
export interface StripeCodec {
  /** May move `input.plaintext` to another thread; the result gives it back. */
  encodeStripe(input: EncodeStripeInput, options?: StripeOptions): Promise<EncodeStripeResult>
  decodeStripe(input: DecodeStripeInput, options?: DecodeStripeOptions): Promise<Uint8Array>
  /** The wanted shards, recomputed from any k present ones (no key needed), in `want` order. */
  rebuildShards(input: RebuildShardsInput, options?: StripeOptions): Promise<Uint8Array[]>
  verifyShard(cid: CID, bytes: Uint8Array, options?: StripeOptions): Promise<boolean>
  /** A hasher for one file; without it the caller hashes on its own thread. */
  createHasher?(): PlaintextHasher
}

export function localHasher(): PlaintextHasher {
  const sha = new Sha256()
  return {
    update: (bytes) => void sha.update(bytes),
    take: (bytes) => {
      sha.update(bytes)
      return Promise.resolve(bytes)
    },
    digest: () => sha.digest(),
  }
}

export function shardSizeFor(ciphertextLength: number, k: number): number {
  return Math.ceil(ciphertextLength / k)
}

const codecs = new Map<string, ErasureCodec>()
function erasureCodec(k: number, n: number): ErasureCodec {
  const id = `${k}/${n}`
  let codec = codecs.get(id)
  if (!codec) {
    codec = createErasureCodec(k, n)
    codecs.set(id, codec)
  }
  return codec
}

const importedKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>()
function cryptoKey(raw: Uint8Array): Promise<CryptoKey> {
  let key = importedKeys.get(raw)
  if (!key) {
    key = importFileKey(raw)
    importedKeys.set(raw, key)
  }
  return key
}

/**
 * The k data shards of a ciphertext, zero padded to `shardSize` each. Whole shards are views of
 * the ciphertext itself; only the shards that reach past its end are copied, into one small
 * buffer. (A 1 MiB segment makes 1 MiB + 16 bytes of ciphertext, which k = 4 divides exactly.)
 */
export function dataShards(ciphertext: Uint8Array, k: number, shardSize: number): Uint8Array[] {
  const whole = Math.min(k, Math.floor(ciphertext.length / shardSize))
  const shards: Uint8Array[] = []
  for (let i = 0; i < whole; i++) {
    shards.push(ciphertext.subarray(i * shardSize, (i + 1) * shardSize))
  }
  if (whole < k) {
    const tail = new Uint8Array((k - whole) * shardSize)
    tail.set(ciphertext.subarray(whole * shardSize))
    for (let i = 0; i < k - whole; i++) {
      shards.push(tail.subarray(i * shardSize, (i + 1) * shardSize))
    }
  }
  return shards
}

export async function encodeStripe(input: EncodeStripeInput): Promise<EncodeStripeResult> {
  const { k, n } = input
  const codec = erasureCodec(k, n)
  const key = await cryptoKey(input.key)
  const ciphertext = await encryptSegment(
    key,
    input.fileId,
    input.index,
    input.final,
    input.plaintext,
  )
  const shardSize = shardSizeFor(ciphertext.length, k)
  const data = dataShards(ciphertext, k, shardSize)
  const parity = codec.encode(data)
  const shards = await Promise.all([...data, ...parity].map((bytes) => rawBlock(bytes)))
  return {
    index: input.index,
    length: ciphertext.length,
    shardSize,
    shards,
    plaintext: input.plaintext,
  }
}

export async function decodeStripe(input: DecodeStripeInput): Promise<Uint8Array> {
  const { k, n, length } = input
  if (input.shards.length !== n) {
    throw new InvalidParametersError(`expected ${n} shard slots, got ${input.shards.length}`)
  }
  if (length < TAG_BYTES) throw new InvalidParametersError('ciphertext shorter than its tag')
  const codec = erasureCodec(k, n)
  const shardSize = shardSizeFor(length, k)
  for (const s of input.shards) {
    if (s !== undefined && s.length !== shardSize) {
      throw new InvalidParametersError(`shard of ${s.length} bytes where ${shardSize} expected`)
    }
  }
  const data = codec.reconstruct(input.shards)
  checkPadding(data, length, shardSize)
  const ciphertext = new Uint8Array(length)
  let offset = 0
  for (const shard of data) {
    const take = Math.min(shard.length, length - offset)
    if (take <= 0) break
    ciphertext.set(shard.subarray(0, take), offset)
    offset += take
  }
  const key = await cryptoKey(input.key)
  return decryptSegment(key, input.fileId, input.index, input.final, ciphertext)
}

/** Every byte of the data shards past the ciphertext's `length` must be zero (FORMAT.md §4). */
function checkPadding(data: readonly Uint8Array[], length: number, shardSize: number): void {
  for (const [j, shard] of data.entries()) {
    for (let b = Math.max(0, length - j * shardSize); b < shard.length; b++) {
      if (shard[b] !== 0) {
        throw new ShardPaddingError(`data shard ${j}: padding byte ${b} is not zero`)
      }
    }
  }
}

export function rebuildShards(input: RebuildShardsInput): Uint8Array[] {
  const { k, n, shards, want } = input
  if (want.some((i) => !Number.isInteger(i) || i < 0 || i >= n)) {
    throw new InvalidParametersError(`shard index out of 0–${n - 1}`)
  }
  const codec = erasureCodec(k, n)
  const data = codec.reconstruct(shards)
  const parity = want.some((i) => i >= k) ? codec.encode(data) : []
  return want.map((i) => (i < k ? data[i]! : parity[i - k]!))
}

/** Runs everything on the calling thread: used in Node, in tests, and inside each worker. */
export const localStripeCodec: StripeCodec = {
  encodeStripe: (input) => encodeStripe(input),
  decodeStripe: (input) => decodeStripe(input),
  rebuildShards: (input) => Promise.resolve(rebuildShards(input)),
  verifyShard: (cid, bytes) => blockMatches(cid, bytes),
  createHasher: localHasher,
}
