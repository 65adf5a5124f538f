import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import {
  decodeExpected,
  decodeFrame,
  decodeMessage,
  deleteSigningBytes,
  encodeFrame,
  encodeMessage,
  FrameReader,
  InvalidLengthPrefixError,
  MalformedMessageError,
  MAX_BLOCK_BYTES,
  MessageTooLargeError,
  receiptSigningBytes,
  TruncatedMessageError,
  UnexpectedMessageError,
  UnsupportedVersionError,
  WireError,
  type Message,
} from '../../src/core/protocol/index.ts'

async function rawCid(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

const peerA = identity.digest(new Uint8Array([8, 1, 18, 32, ...new Uint8Array(32).fill(7)])).bytes
const peerB = identity.digest(new Uint8Array([8, 1, 18, 32, ...new Uint8Array(32).fill(9)])).bytes

async function samples(): Promise<Message[]> {
  const block = new Uint8Array(1000).map((_, i) => i * 7)
  const cid = await rawCid(block)
  const cid2 = await rawCid(new Uint8Array([1, 2, 3]))
  const file = CID.createV1(dagCbor.code, await sha256.digest(new Uint8Array([4])))
  return [
    { type: 'store', cid, block, owner: peerA },
    { type: 'store', cid, block, owner: peerA, file },
    {
      type: 'build',
      cid,
      size: 1000,
      k: 2,
      n: 4,
      index: 3,
      sources: [
        { index: 0, cid: cid2, holder: peerB },
        { index: 2, cid, holder: peerA },
      ],
      owner: peerA,
      file,
    },
    {
      type: 'store-ok',
      receipt: {
        cid,
        size: 1000,
        holder: peerB,
        time: 1_764_000_000_000,
        signature: new Uint8Array(64).fill(1),
      },
    },
    {
      type: 'delete',
      cids: [cid, cid2],
      owner: peerA,
      holder: peerB,
      time: 5,
      signature: new Uint8Array(64).fill(2),
    },
    { type: 'delete-ok', deleted: [cid] },
    { type: 'delete-ok', deleted: [] },
    { type: 'error', code: 'PLEDGE_FULL', message: 'pledge of 10 bytes is full' },
    { type: 'fetch', cid },
    { type: 'block', block },
    { type: 'not-found' },
    { type: 'has', cids: [cid, cid2, file] },
    { type: 'have', have: [true, false, true] },
    { type: 'space' },
    { type: 'space-info', free: 123_456_789 },
  ]
}

describe('store/fetch wire codecs', () => {
  it('round-trips every message type through frame and body', async () => {
    for (const m of await samples()) {
      const framed = encodeFrame(encodeMessage(m))
      const back = decodeMessage(decodeFrame(framed))
      expect(dagCbor.encode(back)).toEqual(dagCbor.encode(m))
    }
  })

  it('reassembles a frame split into arbitrary chunks', async () => {
    const m = (await samples())[0]!
    const framed = encodeFrame(encodeMessage(m))
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: framed.length - 1 }), { maxLength: 10 }),
        (cuts) => {
          const points = [...new Set(cuts)].sort((a, b) => a - b)
          const reader = new FrameReader()
          let out: Uint8Array | undefined
          let prev = 0
          for (const p of [...points, framed.length]) {
            out = reader.push(framed.subarray(prev, p)) ?? out
            prev = p
          }
          reader.end()
          expect(out).toEqual(decodeFrame(framed))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('rejects oversize, truncated and badly prefixed frames with typed errors', () => {
    expect(() => new FrameReader(10).push(encodeFrame(new Uint8Array(11)))).toThrow(
      MessageTooLargeError,
    )
    // A huge declared length is refused from the prefix alone, before any body byte arrives.
    expect(() => new FrameReader().push(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))).toThrow(
      MessageTooLargeError,
    )
    expect(() => decodeFrame(new Uint8Array([5, 1, 2]))).toThrow(TruncatedMessageError)
    expect(() => decodeFrame(new Uint8Array([0x80, 0x00]))).toThrow(InvalidLengthPrefixError)
    expect(() => decodeFrame(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(
      InvalidLengthPrefixError,
    )
    expect(() => decodeFrame(new Uint8Array([1, 0, 0]))).toThrow(MessageTooLargeError)
  })

  it('refuses a build request whose stripe the code cannot compute', async () => {
    const build = (await samples()).find((m) => m.type === 'build')!
    const fields = dagCbor.decode<Record<string, unknown>>(encodeMessage(build))
    const sources = fields.sources as Array<Record<string, unknown>>
    const bad: Array<Record<string, unknown>> = [
      { k: 0 },
      { n: 2 },
      { n: 257, k: 2 },
      { index: 4 },
      { index: 0 },
      { size: 0 },
      { size: MAX_BLOCK_BYTES + 1 },
      { sources: sources.slice(0, 1) },
      { sources: [sources[0], sources[0]] },
      { sources: [sources[0], { ...sources[1], index: 3 }] },
      { sources: [sources[0], { ...sources[1], extra: 1 }] },
    ]
    for (const change of bad) {
      expect(
        () => decodeMessage(dagCbor.encode({ ...fields, ...change })),
        JSON.stringify(change),
      ).toThrow(WireError)
    }
    expect(() => encodeMessage({ ...build, index: 9 })).toThrow(WireError)
  })

  it('refuses blocks above the limit on both ends', async () => {
    const cid = await rawCid(new Uint8Array(1))
    const big = new Uint8Array(MAX_BLOCK_BYTES + 1)
    expect(() => encodeMessage({ type: 'block', block: big })).toThrow(MessageTooLargeError)
    const forged = dagCbor.encode({ v: 1, type: 'store', cid, block: big, owner: peerA })
    expect(() => decodeMessage(forged)).toThrow(WireError)
  })

  it('validates fields strictly', async () => {
    const cid = await rawCid(new Uint8Array(1))
    const bad = (o: unknown) => () => decodeMessage(dagCbor.encode(o))
    expect(bad({ v: 2, type: 'fetch', cid })).toThrow(UnsupportedVersionError)
    expect(bad({ type: 'fetch', cid })).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'fetch', cid, extra: 1 })).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'fetch' })).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'fetch', cid: 'x' })).toThrow(MalformedMessageError)
    const md5ish = CID.createV1(raw.code, identity.digest(new Uint8Array(4)))
    expect(bad({ v: 1, type: 'fetch', cid: md5ish })).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'has', cids: [] })).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'have', have: [1] })).toThrow(MalformedMessageError)
    expect(
      bad({
        v: 1,
        type: 'store',
        cid,
        block: new Uint8Array(1),
        owner: new Uint8Array([0x12, 0x20, 1]),
      }),
    ).toThrow(MalformedMessageError)
    expect(bad({ v: 1, type: 'nope' })).toThrow(MalformedMessageError)
    expect(bad([1, 2])).toThrow(MalformedMessageError)
    const error = decodeMessage(
      dagCbor.encode({ v: 1, type: 'error', code: 'FUTURE_CODE', message: 'x' }),
    )
    expect(error).toEqual({ type: 'error', code: 'UNKNOWN', message: 'x' })
    expect(() => decodeExpected(encodeMessage({ type: 'not-found' }), ['block'])).toThrow(
      UnexpectedMessageError,
    )
  })

  it('matches the example printed in docs/FORMAT.md', async () => {
    const md = readFileSync(new URL('../../docs/FORMAT.md', import.meta.url), 'utf8')
    const section = md.slice(md.indexOf('## Store and fetch protocols'))
    const printed = /### Example[\s\S]*?```\n([\s\S]*?)```/.exec(section)?.[1]?.replace(/\s+/g, '')
    const cid = await rawCid(new TextEncoder().encode('hello'))
    expect(section).toContain(cid.toString())
    const hex = Array.from(encodeFrame(encodeMessage({ type: 'fetch', cid })), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('')
    expect(printed).toBe(hex)
  })

  it('separates receipt and delete signing domains', async () => {
    const cid = await rawCid(new Uint8Array(1))
    const r = receiptSigningBytes({ cid, size: 1, holder: peerA, time: 1 })
    const d = deleteSigningBytes({ cids: [cid], owner: peerA, holder: peerB, time: 1 })
    expect(new TextDecoder().decode(r.subarray(0, 17))).toBe('coffer/receipt/1\0')
    expect(new TextDecoder().decode(d.subarray(0, 16))).toBe('coffer/delete/1\0')
  })

  it('gives typed errors, never crashes, on at least 10,000 fuzzed inputs', async () => {
    const valid = (await samples()).map((m) => encodeFrame(encodeMessage(m)))
    let seed = 12345
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 4294967296
    }
    const tryDecode = (bytes: Uint8Array): void => {
      try {
        decodeMessage(decodeFrame(bytes))
      } catch (err) {
        if (!(err instanceof WireError)) throw err
      }
    }
    let runs = 0
    // Mutations of valid messages: flipped bytes, truncation, extension.
    for (let i = 0; i < 6000; i++) {
      const base = valid[i % valid.length]!
      const b = Uint8Array.from(base)
      const flips = 1 + Math.floor(rand() * 4)
      for (let f = 0; f < flips; f++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256)
      const mode = i % 3
      tryDecode(
        mode === 0
          ? b
          : mode === 1
            ? b.subarray(0, Math.floor(rand() * b.length))
            : Uint8Array.from([...b, 0]),
      )
      runs++
    }
    // Mutations of bodies re-framed with a correct length, so the CBOR parser sees them.
    const bodies = (await samples()).map((m) => encodeMessage(m))
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from(bodies[i % bodies.length]!)
      const at = Math.floor(rand() * b.length)
      b[at] = b[at]! ^ (1 << Math.floor(rand() * 8))
      tryDecode(encodeFrame(b))
      runs++
    }
    // Random bytes and random CBOR values.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        tryDecode(bytes)
        tryDecode(encodeFrame(bytes))
        runs++
      }),
      { numRuns: 1500, seed: 42 },
    )
    fc.assert(
      fc.property(
        fc.record({
          v: fc.oneof(fc.constant(1), fc.integer()),
          type: fc.constantFrom('store', 'fetch', 'have', 'delete', 'error', 'store-ok'),
        }),
        fc.dictionary(
          fc.constantFrom(
            'cid',
            'cids',
            'block',
            'owner',
            'holder',
            'time',
            'sig',
            'have',
            'receipt',
            'code',
            'message',
          ),
          fc.jsonValue(),
        ),
        (head, rest) => {
          let body: Uint8Array
          try {
            body = dagCbor.encode({ ...rest, ...head })
          } catch {
            return
          }
          tryDecode(encodeFrame(body))
          runs++
        },
      ),
      { numRuns: 1500, seed: 7 },
    )
    expect(runs).toBeGreaterThanOrEqual(10_000)
  })
})
