// Seeded pseudo-random file contents for test/bench/run-e2e.ts, produced chunk by chunk so a
// 256 MiB "file" never exists as one buffer. Every bench source (Coffer upload, Helia add, the
// raw stream) reads the same seed, so all of them move the same bytes.

export const CHUNK_BYTES = 1024 * 1024

/** xoshiro128** state advanced over whole 32-bit words: fast enough to stay out of the figures. */
class Xoshiro128 {
  #s: Uint32Array

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the four state words (never all zero).
    let x = seed >>> 0 || 0x9e3779b9
    this.#s = new Uint32Array(4)
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      this.#s[i] = (z ^ (z >>> 16)) >>> 0
    }
  }

  fill(words: Uint32Array): void {
    const s = this.#s
    let s0 = s[0]!
    let s1 = s[1]!
    let s2 = s[2]!
    let s3 = s[3]!
    for (let i = 0; i < words.length; i++) {
      const m = Math.imul(s1, 5)
      words[i] = Math.imul((m << 7) | (m >>> 25), 9)
      const t = s1 << 9
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 ^= t
      s3 = (s3 << 11) | (s3 >>> 21)
    }
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
  }
}

/** The file as fresh 1 MiB chunks (the last one shorter), each a new buffer the consumer owns. */
export function* seededChunks(seed: number, size: number): Generator<Uint8Array<ArrayBuffer>> {
  const rng = new Xoshiro128(seed)
  for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, size - offset)
    const words = new Uint32Array(Math.ceil(length / 4))
    rng.fill(words)
    yield new Uint8Array(words.buffer, 0, length)
  }
}

/** The same bytes as a pull-based ReadableStream, as `File.stream()` would give them. */
export function seededStream(seed: number, size: number): ReadableStream<Uint8Array> {
  const chunks = seededChunks(seed, size)
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks.next()
        if (next.done === true) controller.close()
        else controller.enqueue(next.value)
      },
    },
    { highWaterMark: 0 },
  )
}
