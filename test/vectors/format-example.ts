// The worked example of docs/FORMAT.md §10, computed by the code.
// `npx tsx test/vectors/format-example.ts > test/vectors/format-example.json` regenerates the
// vector; test/unit/core-format-example.test.ts checks code, JSON and FORMAT.md agree.
import { fromHex, toHex } from '../../src/core/bytes.ts'
import {
  encodeFile,
  formatCapability,
  formatShareLink,
  formatShareLinkV1,
  toRepairCapability,
  type ManifestEvent,
  type StripeEvent,
} from '../../src/core/index.ts'
import {
  encryptSegment,
  envelopeAad,
  envelopeNonce,
  importFileKey,
  segmentAad,
  segmentNonce,
} from '../../src/core/segment-crypto.ts'
import { encodeEnvelope } from '../../src/core/manifest.ts'

export const EXAMPLE_INPUT = {
  plaintext: toHex(new TextEncoder().encode('Hello, Coffer! 0123')),
  name: 'hello.txt',
  type: 'text/plain',
  created: 1764000000000,
  key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  fileId: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
  segmentSize: 16,
  k: 2,
  n: 3,
  origin: 'https://coffer.example/',
  relay: '/dns4/relay.coffer.example/tcp/443/wss',
}

export async function computeFormatExample() {
  const input = EXAMPLE_INPUT
  const plaintext = fromHex(input.plaintext)
  const key = fromHex(input.key)
  const fileId = fromHex(input.fileId)
  const stripes: StripeEvent[] = []
  let final: ManifestEvent | undefined
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(plaintext.slice())
      c.close()
    },
  })
  for await (const ev of encodeFile(
    stream,
    { name: input.name, type: input.type },
    {
      key,
      fileId,
      now: () => input.created,
      segmentSize: input.segmentSize,
      k: input.k,
      n: input.n,
    },
  )) {
    if (ev.type === 'stripe') stripes.push(ev)
    else final = ev
  }
  if (!final) throw new Error('no manifest')
  const cryptoKey = await importFileKey(key)
  const segments = []
  for (const s of stripes) {
    const start = s.index * input.segmentSize
    const seg = plaintext.slice(start, start + input.segmentSize)
    const isFinal = s.index === stripes.length - 1
    segments.push({
      index: s.index,
      final: isFinal,
      plaintext: toHex(seg),
      nonce: toHex(segmentNonce(s.index)),
      aad: toHex(segmentAad(fileId, s.index, isFinal)),
      ciphertext: toHex(await encryptSegment(cryptoKey, fileId, s.index, isFinal, seg)),
      shardSize: s.shardSize,
      shards: s.shards.map((b) => ({ cid: b.cid.toString(), bytes: toHex(b.bytes) })),
    })
  }
  return {
    input,
    output: {
      segments,
      envelope: {
        plaintext: toHex(encodeEnvelope(final.envelope)),
        sha256: toHex(final.envelope.sha256),
        nonce: toHex(envelopeNonce()),
        aad: toHex(envelopeAad(fileId)),
        sealed: toHex(final.manifest.envelope),
      },
      manifest: { cid: final.block.cid.toString(), bytes: toHex(final.block.bytes) },
      readCapability: formatCapability(final.capability),
      repairCapability: formatCapability(toRepairCapability(final.capability)),
      // The origin serves the relay's config.json, so the link names no relay (§9.3).
      shareLink: formatShareLink(input.origin, final.capability),
      shareLinkV1: formatShareLinkV1(input.origin, final.capability, { relays: [input.relay] }),
    },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await computeFormatExample(), null, 2)}\n`)
}
