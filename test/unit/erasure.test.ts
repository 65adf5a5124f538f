import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ReedSolomonErasure } from '@subspace/reed-solomon-erasure.wasm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createErasureCodec,
  InvalidShapeError,
  ShardSizeMismatchError,
  TooFewShardsError,
  WrongShardCountError,
  type ErasureCodecOptions,
} from '../../src/core/erasure/index.ts'
import { encodingMatrix } from '../../src/core/erasure/matrix.ts'

const require = createRequire(import.meta.url)
const referenceWasm = readFileSync(
  require
    .resolve('@subspace/reed-solomon-erasure.wasm')
    .replace(/index\.js$/, 'reed_solomon_erasure_bg.wasm'),
)
const reference = ReedSolomonErasure.fromBytes(referenceWasm)

/** Parity computed by reed-solomon-erasure (Rust, compiled to wasm): an independent implementation. */
function referenceParity(k: number, n: number, data: Uint8Array[]): Uint8Array[] {
  const size = data[0]!.length
  const buf = new Uint8Array(size * n)
  data.forEach((d, i) => buf.set(d, i * size))
  expect(reference.encode(buf, k, n - k)).toBe(ReedSolomonErasure.RESULT_OK)
  return Array.from({ length: n - k }, (_, j) => buf.slice((k + j) * size, (k + j + 1) * size))
}

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'))
/** Deep equality on big typed arrays is slow in expect(); hex strings compare fast and diff readably. */
const hex = (shards: readonly Uint8Array[]) => shards.map((s) => Buffer.from(s).toString('hex'))

function randomShards(count: number, size: number, rng: () => number): Uint8Array[] {
  return Array.from({ length: count }, () =>
    Uint8Array.from({ length: size }, () => Math.floor(rng() * 256)),
  )
}

/** Small deterministic PRNG so failures reproduce. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function* subsets(n: number, size: number, start = 0): Generator<number[]> {
  if (size === 0) {
    yield []
    return
  }
  for (let i = start; i <= n - size; i++) {
    for (const rest of subsets(n, size - 1, i + 1)) yield [i, ...rest]
  }
}

const kernels: { name: string; options: ErasureCodecOptions }[] = [
  { name: 'portable TS kernel', options: { kernel: 'ts' } },
  { name: 'WebAssembly SIMD kernel', options: { kernel: 'wasm' } },
  { name: 'default kernel', options: {} },
]

describe('encoding matrix (Backblaze construction)', () => {
  it('has the identity as its top k rows', () => {
    for (const [k, n] of [
      [1, 2],
      [2, 4],
      [4, 8],
      [10, 30],
      [32, 64],
      [63, 64],
    ] as const) {
      const m = encodingMatrix(k, n)
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++)
          expect(m.data[r * k + c], `k=${k} [${r}][${c}]`).toBe(r === c ? 1 : 0)
      }
    }
  })
})

describe.each(kernels)('Reed–Solomon codec, $name', ({ options }) => {
  it('gives the parity of the issue example (k=2, n=4)', () => {
    const codec = createErasureCodec(2, 4, options)
    const parity = codec.encode([Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)])
    expect(parity.map((p) => [...p])).toEqual([
      [9, 10, 11, 28],
      [13, 14, 15, 16],
    ])
  })

  const vectorFiles = readdirSync(new URL('../vectors/', import.meta.url)).filter((f) =>
    /^rs-.*\.json$/.test(f),
  )
  it.each(vectorFiles)('matches the stored vector %s', (file) => {
    const v = JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), 'utf8')) as {
      k: number
      n: number
      data: string[]
      parity: string[]
    }
    const codec = createErasureCodec(v.k, v.n, options)
    const data = v.data.map(fromHex)
    const parity = codec.encode(data)
    expect(hex(parity)).toEqual(v.parity)
    // Drop data shards first, so parity shards are really needed.
    const shards: (Uint8Array | undefined)[] = [...data, ...v.parity.map(fromHex)]
    for (let i = 0; i < v.n - v.k; i++) shards[i % v.k] = undefined
    expect(hex(codec.reconstruct(shards))).toEqual(hex(data))
  })

  it('produces the same parity bytes as reed-solomon-erasure for random shapes', () => {
    const rng = mulberry32(0xc0ffee)
    for (let round = 0; round < 60; round++) {
      const n = 2 + Math.floor(rng() * 63)
      const k = 1 + Math.floor(rng() * (n - 1))
      const size = 1 + Math.floor(rng() * (round % 3 === 0 ? 5000 : 100))
      const data = randomShards(k, size, rng)
      const ours = createErasureCodec(k, n, options).encode(data)
      expect(hex(ours), `k=${k} n=${n} size=${size}`).toEqual(hex(referenceParity(k, n, data)))
    }
  })

  it('reconstructs from any k of n shards (property)', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            n: fc.integer({ min: 2, max: 64 }),
            size: fc.integer({ min: 1, max: 300 }),
            seed: fc.integer(),
          })
          .chain(({ n, size, seed }) =>
            fc.record({
              n: fc.constant(n),
              k: fc.integer({ min: 1, max: n - 1 }),
              size: fc.constant(size),
              seed: fc.constant(seed),
              order: fc.shuffledSubarray(
                Array.from({ length: n }, (_, i) => i),
                { minLength: n, maxLength: n },
              ),
            }),
          ),
        ({ n, k, size, seed, order }) => {
          const codec = createErasureCodec(k, n, options)
          const data = randomShards(k, size, mulberry32(seed))
          const all = [...data, ...codec.encode(data)]
          const keep = new Set(order.slice(0, k))
          const shards = all.map((s, i) => (keep.has(i) ? s : undefined))
          expect(hex(codec.reconstruct(shards))).toEqual(hex(data))
        },
      ),
      { numRuns: 200 },
    )
  })

  it.each([
    [4, 6],
    [2, 5],
    [3, 7],
    [1, 4],
  ])('reconstructs k=%i, n=%i with every subset of n−k shards missing', (k, n) => {
    const codec = createErasureCodec(k, n, options)
    const data = randomShards(k, 53, mulberry32(k * 100 + n))
    const all = [...data, ...codec.encode(data)]
    let count = 0
    for (const missing of subsets(n, n - k)) {
      const shards = all.map((s, i) => (missing.includes(i) ? undefined : s))
      expect(hex(codec.reconstruct(shards)), `missing ${missing.join(',')}`).toEqual(hex(data))
      count++
    }
    expect(count).toBeGreaterThan(1)
  })

  it('returns present data shards as they are and handles empty shards', () => {
    const codec = createErasureCodec(3, 5, options)
    const data = randomShards(3, 10, mulberry32(7))
    const parity = codec.encode(data)
    const out = codec.reconstruct([data[0], undefined, data[2], parity[0], undefined])
    expect(out[0]).toBe(data[0])
    expect(out[1]).toEqual(data[1])
    const empty = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]
    expect(codec.encode(empty)).toEqual([new Uint8Array(0), new Uint8Array(0)])
  })

  it('rejects bad shapes, wrong counts, mismatched sizes and too few shards with typed errors', () => {
    for (const [k, n] of [
      [0, 4],
      [4, 4],
      [5, 4],
      [1, 65],
      [64, 65],
      [1.5, 4],
      [2, Number.NaN],
      [-1, 3],
    ]) {
      expect(() => createErasureCodec(k!, n!, options), `k=${k} n=${n}`).toThrow(InvalidShapeError)
    }
    expect(() => createErasureCodec(63, 64, options)).not.toThrow()
    const codec = createErasureCodec(2, 4, options)
    const a = Uint8Array.of(1, 2, 3)
    const b = Uint8Array.of(4, 5, 6)
    expect(() => codec.encode([a])).toThrow(WrongShardCountError)
    expect(() => codec.encode([a, Uint8Array.of(1)])).toThrow(ShardSizeMismatchError)
    const [p, q] = codec.encode([a, b])
    expect(() => codec.reconstruct([a, b, p])).toThrow(WrongShardCountError)
    expect(() => codec.reconstruct([a, undefined, Uint8Array.of(1), q])).toThrow(
      ShardSizeMismatchError,
    )
    expect(() => codec.reconstruct([undefined, undefined, undefined, q])).toThrow(TooFewShardsError)
    expect(() => codec.reconstruct([undefined, undefined, undefined, undefined])).toThrow(
      TooFewShardsError,
    )
  })
})

describe('shards larger than one kernel chunk', () => {
  it.each([
    [4, 8, 100_003],
    [10, 30, 65_536],
    [3, 64, 32_769],
  ])('k=%i, n=%i, %i-byte shards: same parity as the reference, and reconstruct', (k, n, size) => {
    const rng = mulberry32(size)
    const data = randomShards(k, size, rng)
    const expected = referenceParity(k, n, data)
    for (const kernel of ['wasm', 'ts'] as const) {
      const codec = createErasureCodec(k, n, { kernel })
      expect(hex(codec.encode(data))).toEqual(hex(expected))
      const shards: (Uint8Array | undefined)[] = [...data, ...expected]
      for (let i = 0; i < Math.min(k, n - k); i++) shards[i] = undefined
      expect(hex(codec.reconstruct(shards))).toEqual(hex(data))
    }
  })
})
