import { describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import {
  decodeFile,
  encodeFile,
  InvalidParametersError,
  ManifestTooLargeError,
  segmentStream,
  maxPlaintextSize,
  NotEnoughShardsError,
  openFile,
  openManifest,
  parseManifest,
  rawBlock,
  shardSizeFor,
  type BlockSource,
  type ManifestEvent,
  type ShardReport,
} from '../../src/core/index.ts'
import { dataShards } from '../../src/core/stripe.ts'
import { collect, encodeAll, pseudoRandom, sha256hex, streamOf } from './core-helpers.ts'

const SEG = 1000

describe('encode → decode round trips', () => {
  for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 17, 10 * SEG]) {
    it(`returns the exact ${size} bytes`, async () => {
      const data = pseudoRandom(size, size + 3)
      const { final, source, stripes } = await encodeAll(data, { segmentSize: SEG, k: 3, n: 5 })
      expect(stripes.length).toBe(Math.max(1, Math.ceil(size / SEG)))
      // A byte stream takes the BYOB path with recycled segment buffers: same key, same bytes.
      const { key, fileId } = { key: final.capability.key, fileId: final.manifest.layout.fileId }
      for (const chunk of [1, 333, SEG, 2 * SEG + 1]) {
        const again = await encodeAll(
          data,
          { segmentSize: SEG, k: 3, n: 5, key, fileId, now: () => final.envelope.created },
          undefined,
          streamOf(data, chunk, { bytes: true }),
        )
        expect(again.final.block.cid.toString()).toBe(final.block.cid.toString())
      }
      expect(final.envelope.size).toBe(size)
      expect(Buffer.from(final.envelope.sha256).toString('hex')).toBe(sha256hex(data))
      const { opened, stream } = await openFile(final.capability, source)
      expect(opened.envelope.name).toBe('file.bin')
      expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
    })
  }

  it('every shard is a raw sha2-256 CIDv1 block and n per stripe', async () => {
    const { stripes } = await encodeAll(pseudoRandom(2500), { segmentSize: SEG, k: 2, n: 4 })
    for (const s of stripes) {
      expect(s.shards).toHaveLength(4)
      for (const shard of s.shards) {
        expect(shard.cid.version).toBe(1)
        expect(shard.cid.code).toBe(0x55)
        expect(shard.cid.multihash.code).toBe(0x12)
        expect((await rawBlock(shard.bytes)).cid.equals(shard.cid)).toBe(true)
        expect(shard.bytes.length).toBe(s.shardSize)
      }
    }
  })

  for (const [k, n] of [
    [2, 3],
    [2, 4],
    [3, 6],
    [4, 7],
  ] as const) {
    it(`reconstructs with every subset of n−k missing shards (k=${k}, n=${n})`, async () => {
      const data = pseudoRandom(2 * SEG + 333, 9)
      const { final, source } = await encodeAll(data, { segmentSize: SEG, k, n })
      const opened = await openManifest(final.block.bytes, final.capability.key)
      let subsets = 0
      for (let mask = 0; mask < 1 << n; mask++) {
        const missing = [...Array(n).keys()].filter((i) => mask & (1 << i))
        if (missing.length !== n - k) continue
        subsets++
        const gone = new Set(
          opened.manifest.layout.stripes.flatMap((s) =>
            missing.map((i) => s.shards[i]!.toString()),
          ),
        )
        const partial: BlockSource = {
          get: (cid, o) =>
            gone.has(cid.toString()) ? Promise.reject(new Error('gone')) : source.get(cid, o),
        }
        const out = await collect(decodeFile(opened, partial))
        expect(sha256hex(out)).toBe(sha256hex(data))
      }
      expect(subsets).toBeGreaterThan(0)
    })
  }

  it('refuses a file too large for one manifest before reading all of it', async () => {
    expect(maxPlaintextSize(1, 64)).toBeLessThan(1000)
    const limit = maxPlaintextSize(1, 64)
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 100
        c.enqueue(new Uint8Array(100))
      },
    })
    const run = async () => {
      for await (const _ of encodeFile(endless, { name: 'x' }, { segmentSize: 1, k: 1, n: 64 }));
    }
    await expect(run()).rejects.toBeInstanceOf(ManifestTooLargeError)
    expect(pulled).toBeLessThan(limit + 1000)
  })

  it('fails with NotEnoughShardsError when fewer than k shards remain', async () => {
    const { final, source } = await encodeAll(pseudoRandom(1500), { segmentSize: SEG, k: 2, n: 4 })
    const opened = await openManifest(final.block.bytes, final.capability.key)
    const gone = new Set(opened.manifest.layout.stripes[1]!.shards.slice(1).map(String))
    const partial: BlockSource = {
      get: (cid, o) =>
        gone.has(cid.toString()) ? Promise.reject(new Error('gone')) : source.get(cid, o),
    }
    const err = await collect(decodeFile(opened, partial)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotEnoughShardsError)
    expect((err as NotEnoughShardsError).stripe).toBe(1)
    expect((err as NotEnoughShardsError).available).toBe(1)
  })

  it('rejects a shard with one flipped byte by its CID, reports it, and uses another', async () => {
    const data = pseudoRandom(2 * SEG + 5, 4)
    const { final, source } = await encodeAll(data, { segmentSize: SEG, k: 2, n: 4 })
    const opened = await openManifest(final.block.bytes, final.capability.key)
    for (const [si, stripe] of opened.manifest.layout.stripes.entries()) {
      for (let j = 0; j < 4; j++) {
        const target = stripe.shards[j]!
        const bad: BlockSource = {
          get: async (cid, o) => {
            const bytes = await source.get(cid, o)
            if (!cid.equals(target)) return bytes
            const copy = bytes.slice()
            copy[(si * 7 + j) % copy.length]! ^= 0x01
            return copy
          },
        }
        const reports: ShardReport[] = []
        const out = await collect(decodeFile(opened, bad, { onBadShard: (r) => reports.push(r) }))
        expect(sha256hex(out)).toBe(sha256hex(data))
        if (j < 2) {
          // Data shards are asked for first, so a bad one is always seen and reported.
          expect(reports).toHaveLength(1)
          expect(reports[0]!.cid.equals(target)).toBe(true)
          expect(reports[0]).toMatchObject({ stripe: si, index: j })
        }
      }
    }
  })

  it('asks for k shards first and more only on failure; hedges slow sources', async () => {
    const { final, source } = await encodeAll(pseudoRandom(500), { segmentSize: SEG, k: 2, n: 5 })
    const opened = await openManifest(final.block.bytes, final.capability.key)
    source.requests.length = 0
    await collect(decodeFile(opened, source))
    expect(source.requests).toHaveLength(2)

    const slowCid = opened.manifest.layout.stripes[0]!.shards[0]!
    const hanging: BlockSource = {
      get: (cid: CID, o) =>
        cid.equals(slowCid)
          ? new Promise((_, reject) =>
              o.signal.addEventListener('abort', () => reject(new Error('aborted'))),
            )
          : source.get(cid, o),
    }
    const out = await collect(decodeFile(opened, hanging, { hedgeAfterMs: 20 }))
    expect(out.length).toBe(500)
  })

  it('encodes a 64 MiB generated stream and decodes it to the same SHA-256', async () => {
    const total = 64 * 1024 * 1024
    const chunk = pseudoRandom(1024 * 1024 + 7, 77)
    let sent = 0
    const input = new ReadableStream({
      type: 'bytes',
      pull(c) {
        if (sent >= total) {
          c.close()
          return c.byobRequest?.respond(0)
        }
        const take = Math.min(chunk.length, total - sent)
        c.enqueue(chunk.slice(0, take))
        sent += take
      },
    })
    const { createHash } = await import('node:crypto')
    const inHash = createHash('sha256')
    // Same generator again for the reference hash, without holding 64 MiB.
    for (let off = 0; off < total; off += chunk.length) {
      inHash.update(chunk.subarray(0, Math.min(chunk.length, total - off)))
    }
    const store = new Map<string, Uint8Array>()
    let manifest: ManifestEvent | undefined
    for await (const ev of encodeFile(input, { name: 'big' }, { k: 4, n: 6 })) {
      if (ev.type === 'stripe') for (const s of ev.shards) store.set(s.cid.toString(), s.bytes)
      else manifest = ev
    }
    if (!manifest) throw new Error('no manifest')
    const src: BlockSource = {
      get: (cid) => Promise.resolve(store.get(cid.toString())!),
    }
    store.set(manifest.block.cid.toString(), manifest.block.bytes)
    const { stream } = await openFile(manifest.capability, src)
    const outHash = createHash('sha256')
    let outBytes = 0
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      outHash.update(value)
      outBytes += value.length
    }
    expect(outBytes).toBe(total)
    expect(outHash.digest('hex')).toBe(inHash.digest('hex'))
  })

  it('stops reading the input when the consumer stops pulling (back-pressure)', async () => {
    let pulled = 0
    const input = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulled++
          c.enqueue(new Uint8Array(SEG))
        },
      },
      { highWaterMark: 0 },
    )
    const gen = encodeFile(input, { name: 'x' }, { segmentSize: SEG, concurrency: 2 })
    await gen.next()
    await gen.next()
    const afterTwo = pulled
    await new Promise((r) => setTimeout(r, 50))
    expect(pulled).toBe(afterTwo)
    expect(pulled).toBeLessThan(8)
    await gen.return(undefined)
  })

  it('honours an abort signal while encoding', async () => {
    const ac = new AbortController()
    const gen = encodeFile(
      streamOf(pseudoRandom(10 * SEG)),
      { name: 'x' },
      {
        segmentSize: SEG,
        signal: ac.signal,
      },
    )
    await gen.next()
    ac.abort()
    await expect(gen.next()).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('parses what it writes', async () => {
    const { final } = await encodeAll(pseudoRandom(2100), { segmentSize: SEG, k: 2, n: 3 })
    expect(parseManifest(final.block.bytes)).toEqual(final.manifest)
  })
})

describe('data shards', () => {
  it('are the ciphertext zero padded to k equal shards, copying only what passes its end', () => {
    for (let length = 16; length <= 60; length++) {
      const ciphertext = pseudoRandom(length, length)
      for (let k = 1; k <= 12; k++) {
        const size = shardSizeFor(length, k)
        const shards = dataShards(ciphertext, k, size)
        expect(shards.map((s) => s.length)).toEqual(Array(k).fill(size))
        const padded = new Uint8Array(size * k)
        padded.set(ciphertext)
        expect(Buffer.concat(shards)).toEqual(Buffer.from(padded))
        shards.forEach((s, i) => {
          const inside = (i + 1) * size <= length
          expect(s.buffer === ciphertext.buffer).toBe(inside)
        })
      }
    }
  })
})

describe('segmenter', () => {
  it('cuts any chunking, empty chunks included, into exact segments with one final', async () => {
    const data = pseudoRandom(2500, 8)
    const cuts = [0, 0, 1, 999, 0, 1000, 1, 499]
    let pos = 0
    const input = new ReadableStream<Uint8Array>({
      start(c) {
        for (const len of cuts) {
          c.enqueue(data.slice(pos, pos + len))
          pos += len
        }
        c.close()
      },
    })
    const segs = []
    for await (const s of segmentStream(input, 1000)) segs.push(s)
    expect(segs.map((s) => [s.index, s.bytes.length, s.final])).toEqual([
      [0, 1000, false],
      [1, 1000, false],
      [2, 500, true],
    ])
    expect(Buffer.concat(segs.map((s) => s.bytes))).toEqual(Buffer.from(data))
  })

  it('gives a full last segment the final flag and an empty input one empty segment', async () => {
    const whole = []
    for await (const s of segmentStream(streamOf(pseudoRandom(2000)), 1000)) whole.push(s)
    expect(whole.map((s) => [s.bytes.length, s.final])).toEqual([
      [1000, false],
      [1000, true],
    ])
    const empty = []
    for await (const s of segmentStream(streamOf(new Uint8Array(0)), 1000)) empty.push(s)
    expect(empty.map((s) => [s.index, s.bytes.length, s.final])).toEqual([[0, 0, true]])
  })

  it('cuts a byte stream read into its own buffers the same way, whatever the chunking', async () => {
    const data = pseudoRandom(5 * 1000 + 3, 9)
    for (const chunk of [1, 999, 1000, 1001, 2500, 6000]) {
      const segs = []
      for await (const s of segmentStream(streamOf(data, chunk, { bytes: true }), 1000)) {
        segs.push({ ...s, bytes: s.bytes.slice() })
      }
      expect(segs.map((s) => [s.index, s.bytes.length, s.final])).toEqual([
        [0, 1000, false],
        [1, 1000, false],
        [2, 1000, false],
        [3, 1000, false],
        [4, 1000, false],
        [5, 3, true],
      ])
      expect(Buffer.concat(segs.map((s) => s.bytes))).toEqual(Buffer.from(data))
    }
    const exact = []
    for await (const s of segmentStream(
      streamOf(data.subarray(0, 2000), 700, { bytes: true }),
      1000,
    )) {
      exact.push([s.bytes.length, s.final])
    }
    expect(exact).toEqual([
      [1000, false],
      [1000, true],
    ])
  })

  it('refuses chunks that are not bytes', async () => {
    const input = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue('text' as unknown as Uint8Array)
        c.close()
      },
    })
    const run = async () => {
      for await (const _ of segmentStream(input, 10));
    }
    await expect(run()).rejects.toBeInstanceOf(InvalidParametersError)
  })
})
