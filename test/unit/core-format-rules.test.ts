import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../src/core/bytes.ts'
import { decodeStripe, parseCapability, parseShareLink } from '../../src/core/index.ts'
import { parseEnvelope, parseManifest } from '../../src/core/manifest.ts'
import { decodeMessage } from '../../src/core/protocol/index.ts'
import { computeFormatRules, type RuleVector } from '../vectors/format-rules.ts'

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/format-rules.json', import.meta.url), 'utf8'),
) as RuleVector[]
const example = JSON.parse(
  readFileSync(new URL('../vectors/format-example.json', import.meta.url), 'utf8'),
) as { input: { key: string; fileId: string } }
const formatMd = readFileSync(new URL('../../docs/FORMAT.md', import.meta.url), 'utf8')

/** Runs the decoder a vector is for; resolves to what it returned. */
async function decode(v: RuleVector): Promise<unknown> {
  switch (v.kind) {
    case 'envelope':
      return parseEnvelope(fromHex(v.input))
    case 'manifest':
      return parseManifest(fromHex(v.input))
    case 'capability':
      return parseCapability(v.input)
    case 'share-link':
      return parseShareLink(v.input)
    case 'message':
      return decodeMessage(fromHex(v.input))
    case 'stripe':
      return decodeStripe({
        ...v.stripe!,
        key: fromHex(example.input.key),
        fileId: fromHex(example.input.fileId),
        shards: v.shards!.map((s) => (s === null ? undefined : fromHex(s))),
      })
  }
}

describe('FORMAT.md rule vectors (test/vectors/format-rules.json)', () => {
  it('are what the generator computes', () => {
    expect(vectors).toEqual(computeFormatRules())
  })

  it('each name a rule stated in FORMAT.md', () => {
    const missing = vectors.filter((v) => !formatMd.includes(`\`${v.rule}\``)).map((v) => v.rule)
    expect(missing).toEqual([])
  })

  for (const v of vectors) {
    it(`${v.rule}: ${v.expect === 'ok' ? 'accepted' : `refused with ${v.expect}`}`, async () => {
      const outcome = await decode(v).then(
        (value) => ({ value, error: 'ok' }),
        (err: unknown) => ({ value: undefined, error: (err as Error).name }),
      )
      expect(outcome.error).toBe(v.expect)
      if (v.relays !== undefined) {
        expect(outcome.value).toMatchObject({ relays: v.relays, peers: v.peers })
      }
    })
  }
})
