import { readFileSync } from 'node:fs'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/core/bytes.ts'
import {
  formatShareLink,
  parseShareFragment,
  parseShareLink,
  shareLinkPayload,
} from '../../src/core/index.ts'
import * as errors from '../../src/core/errors.ts'
import { computeShareLinkVectors } from '../vectors/share-links.ts'

type Vectors = ReturnType<typeof computeShareLinkVectors>

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/share-links.json', import.meta.url), 'utf8'),
) as Vectors
const formatMd = readFileSync(new URL('../../docs/FORMAT.md', import.meta.url), 'utf8')
const cap = {
  kind: 'read' as const,
  manifest: CID.parse(vectors.input.manifest),
  key: fromHex(vectors.input.key),
}

describe('share links, version 2 (docs/FORMAT.md §9.1)', () => {
  it('the stored vectors are what the code computes', () => {
    expect(computeShareLinkVectors()).toEqual(vectors)
  })

  it.each(vectors.valid)('$name: made byte for byte and parsed back', (v) => {
    const hints = { relays: v.relays, peers: v.peers }
    expect(toHex(shareLinkPayload(cap, hints))).toBe(v.payload)
    expect(formatShareLink(vectors.input.origin, cap, hints)).toBe(v.link)
    const parsed = parseShareLink(v.link)
    expect(parsed).toMatchObject({ version: 2, base: vectors.input.origin, ...hints })
    expect(parsed.capability.manifest.equals(cap.manifest)).toBe(true)
    expect(toHex(parsed.capability.key)).toBe(vectors.input.key)
  })

  it('the link the app makes for a co-op whose origin names the relay is under 120 characters', () => {
    expect(vectors.valid[0]!.length).toBeLessThan(120)
  })

  it.each(vectors.invalid)('rejects $rule with $error', ({ error, link }) => {
    const Class = (errors as Record<string, unknown>)[error] as new () => Error
    expect(typeof Class).toBe('function')
    expect(() => parseShareLink(link)).toThrow(Class)
  })

  it('an old version 1 link still opens, with its relay and peer hints', () => {
    const parsed = parseShareLink(vectors.version1.link)
    expect(parsed).toMatchObject({
      version: 1,
      relays: vectors.version1.relays,
      peers: vectors.version1.peers,
    })
    expect(parsed.capability.manifest.equals(cap.manifest)).toBe(true)
    expect(toHex(parsed.capability.key)).toBe(vectors.input.key)
    expect(parseShareFragment(vectors.version1.link.slice(vectors.input.origin.length))).toEqual({
      version: 1,
      capability: parsed.capability,
      relays: parsed.relays,
      peers: parsed.peers,
    })
  })

  it('refuses to make links it could not parse', () => {
    expect(() => formatShareLink(vectors.input.origin, cap, { peers: ['12D3KooWxyz'] })).toThrow(
      errors.InvalidShareLinkError,
    )
    expect(() =>
      formatShareLink(vectors.input.origin, cap, { relays: ['/ip4/127.0.0.1/tcp/9/ws'] }),
    ).toThrow(errors.InvalidShareLinkError)
    const holder = vectors.input.holders[0]!
    expect(() => formatShareLink(vectors.input.origin, cap, { peers: [holder, holder] })).toThrow(
      errors.InvalidShareLinkError,
    )
    expect(() => formatShareLink('ftp://coffer.example/', cap)).toThrow(
      errors.InvalidShareLinkError,
    )
  })

  it('FORMAT.md prints the vectors and names every rejected rule', () => {
    for (const v of vectors.valid) expect(formatMd).toContain(v.link)
    const section = formatMd.slice(
      formatMd.indexOf('## 9. Share links'),
      formatMd.indexOf('## 10.'),
    )
    for (const { rule } of vectors.invalid) expect(section).toContain(rule)
  })
})
