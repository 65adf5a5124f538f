import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import {
  decodeFile,
  encodeManifest,
  InvalidEnvelopeError,
  InvalidManifestError,
  parseManifest,
  openFile,
  openManifest,
  rawBlock,
  SegmentAuthenticationError,
  WrongKeyError,
  type Manifest,
  type OpenedManifest,
} from '../../src/core/index.ts'
import { collect, encodeAll, pseudoRandom, type Encoded } from './core-helpers.ts'

// These tests forge manifests whose shard CIDs match forged bytes, so the CID check passes
// and only AES-GCM with its nonce/AAD scheme stands between the attacker and the reader.

const SEG = 512
const OPTS = { segmentSize: SEG, k: 2, n: 4 }

function cloneManifest(m: Manifest): Manifest {
  return {
    version: m.version,
    envelope: m.envelope,
    layout: {
      ...m.layout,
      stripes: m.layout.stripes.map((s) => ({ ...s, shards: [...s.shards] })),
    },
  }
}

/** Publishes a forged manifest and opens it with the real key (as a victim would). */
async function forge(enc: Encoded, manifest: Manifest): Promise<OpenedManifest> {
  const block = await encodeManifest(manifest)
  enc.source.put(block)
  return openManifest(block.bytes, enc.final.capability.key, { cid: block.cid })
}

async function decodeError(opened: OpenedManifest, enc: Encoded): Promise<unknown> {
  return collect(decodeFile(opened, enc.source)).then(
    () => new Error('decoded without error'),
    (e: unknown) => e,
  )
}

describe('segment authentication below the CID check', () => {
  it('detects ciphertext tampering', async () => {
    const enc = await encodeAll(pseudoRandom(3 * SEG), OPTS)
    const m = cloneManifest(enc.final.manifest)
    const shard = enc.stripes[1]!.shards[0]!.bytes.slice()
    shard[3]! ^= 0x80
    const forged = await rawBlock(shard)
    enc.source.put(forged)
    m.layout.stripes[1]!.shards[0] = forged.cid
    const err = await decodeError(await forge(enc, m), enc)
    expect(err).toBeInstanceOf(SegmentAuthenticationError)
  })

  it('detects reordered segments', async () => {
    const enc = await encodeAll(pseudoRandom(3 * SEG), OPTS)
    const m = cloneManifest(enc.final.manifest)
    const [a, b] = [m.layout.stripes[0]!, m.layout.stripes[1]!]
    m.layout.stripes[0] = b
    m.layout.stripes[1] = a
    expect(await decodeError(await forge(enc, m), enc)).toBeInstanceOf(SegmentAuthenticationError)
  })

  it('detects a segment swapped in from another file (different key)', async () => {
    const enc = await encodeAll(pseudoRandom(3 * SEG, 1), OPTS)
    const other = await encodeAll(pseudoRandom(3 * SEG, 2), OPTS)
    other.source.blocks.forEach((bytes, cid) => enc.source.blocks.set(cid, bytes))
    const m = cloneManifest(enc.final.manifest)
    m.layout.stripes[1] = other.final.manifest.layout.stripes[1]!
    expect(await decodeError(await forge(enc, m), enc)).toBeInstanceOf(SegmentAuthenticationError)
  })

  it('detects a segment swapped in from another file under the same key (file id in AAD)', async () => {
    const key = pseudoRandom(32, 5)
    const enc = await encodeAll(pseudoRandom(3 * SEG, 1), { ...OPTS, key })
    const other = await encodeAll(pseudoRandom(3 * SEG, 2), { ...OPTS, key })
    other.source.blocks.forEach((bytes, cid) => enc.source.blocks.set(cid, bytes))
    const m = cloneManifest(enc.final.manifest)
    m.layout.stripes[2] = other.final.manifest.layout.stripes[2]!
    expect(await decodeError(await forge(enc, m), enc)).toBeInstanceOf(SegmentAuthenticationError)
  })

  it('detects truncation: at open time by size, and by the final-segment flag in GCM', async () => {
    const enc = await encodeAll(pseudoRandom(3 * SEG + 10), OPTS)
    const m = cloneManifest(enc.final.manifest)
    m.layout.stripes.pop()
    m.layout.segments--
    await expect(forge(enc, m)).rejects.toBeInstanceOf(InvalidEnvelopeError)
    // Bypass the envelope's size check: the last kept segment was not sealed as final.
    const opened: OpenedManifest = {
      manifest: m,
      envelope: { ...enc.final.envelope, size: 3 * SEG },
      key: enc.final.capability.key,
    }
    expect(await decodeError(opened, enc)).toBeInstanceOf(SegmentAuthenticationError)
  })

  it('refuses a manifest truncated to zero segments (a 0-byte file still has one)', async () => {
    const enc = await encodeAll(new Uint8Array(0), OPTS)
    expect(enc.final.manifest.layout.segments).toBe(1)
    expect(enc.final.manifest.layout.stripes[0]!.length).toBe(16)
    const m = cloneManifest(enc.final.manifest)
    m.layout.stripes = []
    m.layout.segments = 0
    await expect(encodeManifest(m)).rejects.toBeInstanceOf(InvalidManifestError)
    const bytes = dagCbor.encode({
      v: 1,
      layout: { fileId: m.layout.fileId, segmentSize: SEG, k: 2, n: 4, segments: 0, stripes: [] },
      envelope: m.envelope,
    })
    expect(() => parseManifest(bytes)).toThrow(InvalidManifestError)
  })
})

describe('wrong key', () => {
  it('openManifest and openFile fail with WrongKeyError', async () => {
    const enc = await encodeAll(pseudoRandom(700), OPTS)
    const wrong = pseudoRandom(32, 99)
    await expect(openManifest(enc.final.block.bytes, wrong)).rejects.toBeInstanceOf(WrongKeyError)
    await expect(
      openFile({ ...enc.final.capability, key: wrong }, enc.source),
    ).rejects.toBeInstanceOf(WrongKeyError)
  })

  it('never emits garbage even when the envelope check is bypassed', async () => {
    const enc = await encodeAll(pseudoRandom(700), OPTS)
    const opened: OpenedManifest = {
      manifest: enc.final.manifest,
      envelope: enc.final.envelope,
      key: pseudoRandom(32, 42),
    }
    const chunks: Uint8Array[] = []
    const reader = decodeFile(opened, enc.source).getReader()
    const err = await (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return undefined
        chunks.push(value)
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SegmentAuthenticationError)
    expect(chunks).toHaveLength(0)
  })
})
