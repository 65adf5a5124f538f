import { readFileSync } from 'node:fs'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/core/bytes.ts'
import { decodeFile, openManifest, parseShareLink, type BlockSource } from '../../src/core/index.ts'
import { computeFormatExample } from '../vectors/format-example.ts'
import { collect } from './core-helpers.ts'

type Example = Awaited<ReturnType<typeof computeFormatExample>>

const vector = JSON.parse(
  readFileSync(new URL('../vectors/format-example.json', import.meta.url), 'utf8'),
) as Example
const formatMd = readFileSync(new URL('../../docs/FORMAT.md', import.meta.url), 'utf8')

/** Every `<!-- example:NAME -->` marker in FORMAT.md with the value printed after it. */
function documentedValues(): Map<string, string> {
  const values = new Map<string, string>()
  const marker = /<!-- example:([a-z0-9-]+) -->\s*(?:```\n([\s\S]*?)```|`([^`]*)`)/g
  for (const m of formatMd.matchAll(marker)) {
    values.set(m[1]!, (m[2] ?? m[3]!).replace(/\s+/g, ''))
  }
  return values
}

function expectedValues(ex: Example): Map<string, string> {
  const v = new Map<string, string>([
    ['key', ex.input.key],
    ['file-id', ex.input.fileId],
    ['envelope-plaintext', ex.output.envelope.plaintext],
    ['envelope-nonce', ex.output.envelope.nonce],
    ['envelope-aad', ex.output.envelope.aad],
    ['envelope-sealed', ex.output.envelope.sealed],
    ['manifest-cid', ex.output.manifest.cid],
    ['manifest-bytes', ex.output.manifest.bytes],
    ['read-capability', ex.output.readCapability],
    ['repair-capability', ex.output.repairCapability],
    ['share-link', ex.output.shareLink],
    ['share-link-v1', ex.output.shareLinkV1],
  ])
  for (const s of ex.output.segments) {
    v.set(`segment-${s.index}-nonce`, s.nonce)
    v.set(`segment-${s.index}-aad`, s.aad)
    v.set(`segment-${s.index}-ciphertext`, s.ciphertext)
    s.shards.forEach((sh, j) => {
      v.set(`segment-${s.index}-shard-${j}-bytes`, sh.bytes)
      v.set(`segment-${s.index}-shard-${j}-cid`, sh.cid)
    })
  }
  return v
}

describe('docs/FORMAT.md worked example', () => {
  it('the code reproduces test/vectors/format-example.json byte for byte', async () => {
    expect(await computeFormatExample()).toEqual(vector)
  })

  it('FORMAT.md prints exactly the values of the JSON vector', () => {
    const documented = documentedValues()
    const expected = expectedValues(vector)
    expect([...documented.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, value] of expected)
      expect({ name, value: documented.get(name) }).toEqual({ name, value })
  })

  it('the documented bytes alone decode back to the file, even without shard 0', async () => {
    const blocks = new Map<string, Uint8Array>()
    for (const s of vector.output.segments) {
      s.shards.slice(1).forEach((sh) => blocks.set(sh.cid, fromHex(sh.bytes)))
    }
    const source: BlockSource = {
      get: (cid) => {
        const b = blocks.get(cid.toString())
        return b ? Promise.resolve(b) : Promise.reject(new Error('missing'))
      },
    }
    expect(parseShareLink(vector.output.shareLinkV1).relays).toEqual([vector.input.relay])
    const link = parseShareLink(vector.output.shareLink)
    expect(link.relays).toEqual([])
    expect(link.capability.manifest.equals(CID.parse(vector.output.manifest.cid))).toBe(true)
    const opened = await openManifest(fromHex(vector.output.manifest.bytes), link.capability.key, {
      cid: link.capability.manifest,
    })
    expect(opened.envelope).toMatchObject({ name: 'hello.txt', type: 'text/plain', size: 19 })
    expect(toHex(await collect(decodeFile(opened, source)))).toBe(vector.input.plaintext)
  })
})
