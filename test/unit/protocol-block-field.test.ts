import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { concat } from '../../src/core/bytes.ts'
import { cborHead, decodeWithBlockView } from '../../src/core/protocol/block-field.ts'
import {
  decodeMessage,
  encodeMessage,
  encodeMessageParts,
  type Message,
} from '../../src/core/protocol/index.ts'

const peer = identity.digest(new Uint8Array([8, 1, 18, 32, ...new Uint8Array(32).fill(7)])).bytes

/** What `dagCbor.decode` makes of `bytes`: the value's encoding, or the fact that it threw. */
function reference(bytes: Uint8Array): string {
  try {
    return Buffer.from(dagCbor.encode(dagCbor.decode(bytes))).toString('hex')
  } catch {
    return 'throws'
  }
}

function viewed(bytes: Uint8Array): string {
  try {
    return Buffer.from(dagCbor.encode(decodeWithBlockView(bytes))).toString('hex')
  } catch {
    return 'throws'
  }
}

async function blockMessages(size: number, seed: number): Promise<Message[]> {
  const block = new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff)
  const cid = CID.createV1(raw.code, await sha256.digest(block))
  const file = CID.createV1(dagCbor.code, await sha256.digest(Uint8Array.of(seed)))
  return [
    { type: 'block', block },
    { type: 'store', cid, block, owner: peer },
    { type: 'store', cid, block, owner: peer, file },
  ]
}

describe('block field without copies', () => {
  it('writes the smallest CBOR heads', () => {
    expect([...cborHead(2, 23)]).toEqual([0x57])
    expect([...cborHead(2, 24)]).toEqual([0x58, 24])
    expect([...cborHead(2, 255)]).toEqual([0x58, 255])
    expect([...cborHead(2, 256)]).toEqual([0x59, 1, 0])
    expect([...cborHead(2, 65_536)]).toEqual([0x5a, 0, 1, 0, 0])
    expect([...cborHead(5, 3)]).toEqual([0xa3])
  })

  it('encodes in parts exactly the bytes of the one-piece encoding, the block not copied', async () => {
    for (const size of [0, 1, 23, 24, 255, 256, 65_535, 65_536, 262_144]) {
      for (const m of await blockMessages(size, size & 0xff)) {
        const parts = encodeMessageParts(m)
        expect(Buffer.from(concat(parts)).toString('hex'), `${m.type} ${size}`).toBe(
          Buffer.from(encodeMessage(m)).toString('hex'),
        )
        expect(parts.some((p) => m.type !== 'fetch' && 'block' in m && p === m.block)).toBe(true)
      }
    }
    const small: Message = { type: 'space-info', free: 5 }
    expect(encodeMessageParts(small)).toEqual([encodeMessage(small)])
  })

  it('decodes a block as a view of the message bytes, with every other field as before', async () => {
    for (const m of await blockMessages(262_144, 3)) {
      const bytes = encodeMessage(m)
      const back = decodeMessage(bytes)
      expect(Buffer.from(dagCbor.encode(back)).equals(Buffer.from(dagCbor.encode(m)))).toBe(true)
      const block = (back as { block: Uint8Array }).block
      expect(block.buffer).toBe(bytes.buffer)
      expect(block.byteLength).toBe(262_144)
    }
  })

  it('accepts and refuses exactly what the DAG-CBOR decoder does, on mutated messages', async () => {
    const bases = [...(await blockMessages(40, 1)), ...(await blockMessages(300, 2))].map((m) =>
      encodeMessage(m),
    )
    let agreed = 0
    fc.assert(
      fc.property(
        fc.nat({ max: bases.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('flip', 'cut', 'extend', 'insert'),
        (which, edits, mode) => {
          const base = bases[which]!
          let b = Uint8Array.from(base)
          // Most edits go near the front, where the map, keys and heads are.
          for (const [at, value] of edits) b[at % Math.min(b.length, 64)] = value
          if (mode === 'cut') b = b.subarray(0, edits[0]![0] % b.length)
          if (mode === 'extend') b = Uint8Array.from([...b, edits[0]![1]])
          if (mode === 'insert') {
            const at = edits[0]![0] % b.length
            b = Uint8Array.from([...b.subarray(0, at), edits[0]![1], ...b.subarray(at)])
          }
          expect(viewed(b)).toBe(reference(b))
          agreed++
        },
      ),
      { numRuns: 4000, seed: 7 },
    )
    expect(agreed).toBe(4000)
  })

  it('refuses what DAG-CBOR refuses around the block: long heads, duplicate keys', () => {
    const block = Uint8Array.of(1, 2, 3)
    const good = dagCbor.encode({ v: 1, type: 'block', block })
    expect(viewed(good)).toBe(reference(good))
    // The same block length written in two bytes instead of one.
    const at = good.indexOf(0x43)
    const longHead = Uint8Array.from([...good.subarray(0, at), 0x58, 3, ...good.subarray(at + 1)])
    expect(reference(longHead)).toBe('throws')
    expect(viewed(longHead)).toBe('throws')
    // Two `block` keys.
    const key = dagCbor.encode('block')
    const twice = Uint8Array.from([
      0xa3,
      ...key,
      0x41,
      9,
      ...key,
      0x41,
      8,
      ...dagCbor.encode('v'),
      1,
    ])
    expect(reference(twice)).toBe('throws')
    expect(viewed(twice)).toBe('throws')
    // Keys out of DAG-CBOR order: whatever the decoder makes of them, the same.
    const unordered = Uint8Array.from([0xa2, ...key, 0x41, 9, ...dagCbor.encode('v'), 1])
    expect(viewed(unordered)).toBe(reference(unordered))
  })
})
