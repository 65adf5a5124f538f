import {
  InvalidShapeError,
  ShardSizeMismatchError,
  TooFewShardsError,
  WrongShardCountError,
} from './errors.ts'
import type { MulKernel } from './kernel-ts.ts'
import { encodingMatrix, invert, pickRows, type Matrix } from './matrix.ts'

export interface ErasureCodec {
  readonly k: number
  readonly n: number
  /**
   * `data`: k shards of equal length. Returns the n−k parity shards: new arrays, which are views
   * of one new ArrayBuffer (transfer it once).
   */
  encode(data: readonly Uint8Array[]): Uint8Array[]
  /**
   * `shards`: length n, `undefined` where missing; at least k present, equal length.
   * Returns the k data shards: the present ones as-is, the rebuilt ones as views of one new
   * ArrayBuffer. Throws a typed error if fewer than k are present.
   */
  reconstruct(shards: readonly (Uint8Array | undefined)[]): Uint8Array[]
}

export const MAX_SHARDS = 64

/** Decoding matrices are small (≤ 64×64) but inverting one costs O(k³); a handful covers a download. */
const DECODE_CACHE_SIZE = 32

/**
 * `count` zeroed views of `len` bytes over one new ArrayBuffer. Allocating one buffer instead of
 * `count` is several times faster in Chromium, where every large ArrayBuffer costs a system
 * allocation and GC accounting; workers that transfer shards deduplicate the buffers they move.
 */
export function freshViews(count: number, len: number): Uint8Array[] {
  const buffer = new ArrayBuffer(count * len)
  return Array.from({ length: count }, (_, i) => new Uint8Array(buffer, i * len, len))
}

export function validateShape(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || k >= n || n > MAX_SHARDS) {
    throw new InvalidShapeError(
      `invalid code shape k=${k}, n=${n}: need integers 1 ≤ k < n ≤ ${MAX_SHARDS}`,
    )
  }
}

/** Where output shards are written; the benchmark substitutes reused buffers to isolate the coding. */
export type OutputAllocator = (count: number, len: number) => Uint8Array[]

export function createCodecWithKernel(
  k: number,
  n: number,
  kernel: MulKernel,
  allocate: OutputAllocator = freshViews,
): ErasureCodec {
  validateShape(k, n)
  const matrix = encodingMatrix(k, n)
  const parityCoefs = matrix.data.slice(k * k)
  // Keyed by the chosen rows; Map keeps insertion order, which gives a cheap LRU.
  const decodeCache = new Map<string, Matrix>()

  function decodeMatrix(rows: readonly number[]): Matrix {
    const key = rows.join(',')
    let inv = decodeCache.get(key)
    if (inv) {
      decodeCache.delete(key)
    } else {
      inv = invert(pickRows(matrix, rows))
      if (decodeCache.size >= DECODE_CACHE_SIZE) {
        decodeCache.delete(decodeCache.keys().next().value!)
      }
    }
    decodeCache.set(key, inv)
    return inv
  }

  return {
    k,
    n,
    encode(data) {
      if (data.length !== k) {
        throw new WrongShardCountError(`expected ${k} data shards, got ${data.length}`)
      }
      const len = data[0]!.length
      for (const d of data) {
        if (d.length !== len) throw new ShardSizeMismatchError('data shards differ in length')
      }
      const parity = allocate(n - k, len)
      if (len > 0) kernel(parityCoefs, data, parity, len)
      return parity
    },
    reconstruct(shards) {
      if (shards.length !== n) {
        throw new WrongShardCountError(`expected ${n} shard slots, got ${shards.length}`)
      }
      // Prefer data rows: each present data shard is one fewer row to compute.
      const rows: number[] = []
      let len = -1
      for (let i = 0; i < n; i++) {
        const s = shards[i]
        if (s === undefined) continue
        if (len === -1) len = s.length
        else if (s.length !== len) throw new ShardSizeMismatchError('shards differ in length')
        if (rows.length < k) rows.push(i)
      }
      if (rows.length < k) {
        throw new TooFewShardsError(`need ${k} shards, only ${rows.length} present`)
      }
      const missing: number[] = []
      for (let i = 0; i < k; i++) if (shards[i] === undefined) missing.push(i)
      const result = shards.slice(0, k) as Uint8Array[]
      if (missing.length === 0) return result
      const inv = decodeMatrix(rows)
      const coefs = new Uint8Array(missing.length * k)
      missing.forEach((row, i) => coefs.set(inv.data.subarray(row * k, (row + 1) * k), i * k))
      const inputs = rows.map((r) => shards[r]!)
      const outputs = allocate(missing.length, len)
      if (len > 0) kernel(coefs, inputs, outputs, len)
      missing.forEach((row, i) => (result[row] = outputs[i]!))
      return result
    },
  }
}
