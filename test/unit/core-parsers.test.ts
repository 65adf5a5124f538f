import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CoreError,
  formatCapability,
  formatShareLink,
  formatShareLinkV1,
  InvalidCapabilityError,
  InvalidShareLinkError,
  parseCapability,
  parseManifest,
  parseShareLink,
  parseReadCapability,
  toRepairCapability,
  UnsupportedCapabilityError,
  UnsupportedManifestVersionError,
  type ReadCapability,
} from '../../src/core/index.ts'
import { encodeAll, pseudoRandom } from './core-helpers.ts'

/** xorshift32: the fuzz runs are reproducible from the seed printed on failure. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

function mutateBytes(input: Uint8Array, rand: () => number): Uint8Array {
  let out = input.slice()
  const edits = 1 + Math.floor(rand() * 4)
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rand() * (out.length + 1))
    switch (Math.floor(rand() * 5)) {
      case 0:
        if (out.length > 0) out[pos % out.length] = Math.floor(rand() * 256)
        break
      case 1:
        out = out.slice(0, pos)
        break
      case 2: {
        const ins = pseudoRandom(1 + Math.floor(rand() * 8), Math.floor(rand() * 1e9))
        out = new Uint8Array([...out.subarray(0, pos), ...ins, ...out.subarray(pos)])
        break
      }
      case 3:
        out = new Uint8Array([...out.subarray(0, pos), ...out.subarray(pos + 1)])
        break
      default:
        if (out.length > 0) out[pos % out.length]! ^= 1 << Math.floor(rand() * 8)
    }
  }
  return out
}

function expectTypedOrValid(fn: () => unknown): 'ok' | 'error' {
  try {
    fn()
    return 'ok'
  } catch (err) {
    if (!(err instanceof CoreError)) throw err
    return 'error'
  }
}

describe('manifest parser under fuzzing', () => {
  it('10,000 byte-mutated manifests: typed errors or a valid manifest, never a crash', async () => {
    const { final } = await encodeAll(pseudoRandom(3000), { segmentSize: 1000, k: 2, n: 4 })
    const valid = final.block.bytes
    const rand = rng(0xc0ffee)
    let errors = 0
    for (let i = 0; i < 10_000; i++) {
      const bytes = mutateBytes(valid, rand)
      const result = expectTypedOrValid(() => parseManifest(bytes))
      if (result === 'error') errors++
    }
    expect(errors).toBeGreaterThan(9000)
  })

  it('2,000 structurally mutated manifests (field values replaced by arbitrary CBOR values)', async () => {
    const { final } = await encodeAll(pseudoRandom(3000), { segmentSize: 1000, k: 2, n: 4 })
    const paths = [
      ['v'],
      ['envelope'],
      ['layout', 'fileId'],
      ['layout', 'segmentSize'],
      ['layout', 'k'],
      ['layout', 'n'],
      ['layout', 'segments'],
      ['layout', 'stripes'],
      ['layout', 'stripes', 0],
      ['layout', 'stripes', 0, 'length'],
      ['layout', 'stripes', 0, 'shardSize'],
      ['layout', 'stripes', 0, 'shards'],
      ['layout', 'stripes', 0, 'shards', 1],
      ['layout', 'extra'],
    ] as const
    const value = fc.oneof(
      fc.integer({ min: -1, max: 70 }),
      fc.constant(Number.MAX_SAFE_INTEGER),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 5 }),
      fc.dictionary(fc.string({ minLength: 1 }), fc.integer(), { maxKeys: 3 }),
    )
    fc.assert(
      fc.property(fc.constantFrom(...paths), value, (path, v) => {
        const copy = structuredClone(dagCbor.decode<Record<string, unknown>>(final.block.bytes))
        let node = copy as Record<string | number, unknown>
        for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>
        node[path[path.length - 1]!] = v
        let bytes: Uint8Array
        try {
          bytes = dagCbor.encode(copy)
        } catch {
          return // not representable in dag-cbor: nothing to parse
        }
        expectTypedOrValid(() => parseManifest(bytes))
      }),
      { numRuns: 2000, seed: 42 },
    )
  })

  it('rejects an unknown version with a distinct error', () => {
    const bytes = dagCbor.encode({ v: 2, anything: true })
    expect(() => parseManifest(bytes)).toThrow(UnsupportedManifestVersionError)
  })
})

describe('capabilities and share links', () => {
  let cap: ReadCapability
  const origin = 'https://coffer.example.org/'

  it('format and parse round-trip for read and repair capabilities', async () => {
    const { final } = await encodeAll(pseudoRandom(10), { segmentSize: 1000, k: 2, n: 4 })
    cap = final.capability
    const text = formatCapability(cap)
    expect(text).toMatch(/^[A-Za-z0-9_-]{94}$/)
    expect(parseReadCapability(text)).toEqual(cap)
    const repair = formatCapability(toRepairCapability(cap))
    expect(repair).toHaveLength(51)
    expect(parseCapability(repair)).toEqual({ kind: 'repair', manifest: cap.manifest })
    expect(() => parseReadCapability(repair)).toThrow(InvalidCapabilityError)
    // Truncation, bad characters, non-canonical trailing bits, unknown version.
    expect(() => parseCapability(text.slice(0, -1))).toThrow(InvalidCapabilityError)
    expect(() => parseCapability(`${text.slice(0, 10)}+${text.slice(11)}`)).toThrow(
      InvalidCapabilityError,
    )
    expect(() => parseCapability(`${text.slice(0, -1)}B`)).toThrow(InvalidCapabilityError)
    expect(() => parseCapability(`B${text.slice(1)}`)).toThrow(UnsupportedCapabilityError)
  })

  it('an old (version 1) share link keeps the key in the fragment and carries strict hints', () => {
    const link = formatShareLinkV1(origin, cap, {
      relays: ['/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWabc'],
      peers: ['12D3KooWxyz'],
    })
    const url = new URL(link)
    expect(url.origin + url.pathname).toBe('https://coffer.example.org/')
    expect(url.search).toBe('')
    expect(url.hash.startsWith(`#/s/${formatCapability(cap)}?r=`)).toBe(true)
    const parsed = parseShareLink(link)
    expect(parsed.capability).toEqual(cap)
    expect(parsed.relays).toEqual(['/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWabc'])
    expect(parsed.peers).toEqual(['12D3KooWxyz'])
    expect(parsed.version).toBe(1)
    expect(parseShareLink(formatShareLinkV1(origin, cap)).relays).toEqual([])
    for (const bad of [
      `${origin}#/x/${formatCapability(cap)}`,
      `${origin}?q=1#/s/${formatCapability(cap)}`,
      `${origin}#/s/${formatCapability(cap)}?`,
      `${origin}#/s/${formatCapability(cap)}?z=1`,
      `${origin}#/s/${formatCapability(cap)}?r=nope`,
      `${origin}#/s/${formatCapability(cap)}?r=%E0%A4%A`,
      'not a url',
      `javascript:alert(1)#/s/${formatCapability(cap)}`,
      `https://user:pw@coffer.example.org/#/s/${formatCapability(cap)}`,
    ]) {
      expect(() => parseShareLink(bad)).toThrow(CoreError)
    }
    expect(() => parseShareLink(`${origin}#/s/`)).toThrow(InvalidShareLinkError)
    expect(() => parseShareLink(`${origin}#/s/${formatCapability(cap)}?z=1`)).toThrow(
      InvalidShareLinkError,
    )
  })

  it.each([
    ['version 1', () => formatShareLinkV1(origin, cap, { relays: ['/ip4/127.0.0.1/tcp/9/ws'] })],
    [
      'version 2',
      () =>
        formatShareLink(origin, cap, {
          relays: [
            '/ip4/127.0.0.1/tcp/9/ws/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
          ],
          peers: ['12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'],
        }),
    ],
  ])(
    '10,000 mutated %s links and 2,000 arbitrary strings: typed errors, never a crash',
    (_, make) => {
      const link = make()
      const rand = rng(0xbadc0de)
      const alphabet = 'ABCabc019_-+/=?&#%:.~ \u00e9\u{1F600}rps'
      let errors = 0
      for (let i = 0; i < 10_000; i++) {
        const chars = [...link]
        const edits = 1 + Math.floor(rand() * 3)
        for (let e = 0; e < edits; e++) {
          const pos = Math.floor(rand() * chars.length)
          const c = [...alphabet][Math.floor(rand() * [...alphabet].length)]!
          const op = Math.floor(rand() * 4)
          if (op === 0) chars[pos] = c
          else if (op === 1) chars.splice(pos, 1)
          else if (op === 2) chars.splice(pos, 0, c)
          else chars.length = pos
        }
        if (expectTypedOrValid(() => parseShareLink(chars.join(''))) === 'error') errors++
      }
      expect(errors).toBeGreaterThan(8000)
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (s) => {
          expectTypedOrValid(() => parseShareLink(`${origin}#/s/${s}`))
          expectTypedOrValid(() => parseShareLink(s))
          expectTypedOrValid(() => parseCapability(s))
        }),
        { numRuns: 2000, seed: 7 },
      )
    },
  )
})
