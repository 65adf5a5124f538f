import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { concat, equals } from '../../src/core/bytes.ts'
import { localStripeCodec } from '../../src/core/stripe.ts'
import { openDownload } from '../../src/engine/download/download-engine.ts'
import { libp2pDownloadNetwork } from '../../src/engine/download/download-network.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { uploadFile } from '../../src/engine/upload/upload-file.ts'
import { shardNetwork } from '../../src/net/store/index.ts'
import { randomBytes, startNode, stopNode, type TestNode } from './store-test-nodes.ts'
import { bytesSource } from './upload-fakes.ts'

// The engine as a Node keeper will run it: real libp2p nodes over TCP on loopback, the real
// store and fetch protocols, no DOM, no Svelte, no worker pool.

const SEGMENT = 64 * 1024
const PLEDGE = 64 * 1024 * 1024

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of stream) parts.push(part)
  return concat(parts)
}

describe('the engine in Node, between in-process nodes', () => {
  let nodes: TestNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((n) => stopNode(n)))
    nodes = []
  })

  it('uploads a file from one node and downloads it on another, with no DOM', async () => {
    expect(typeof document).toBe('undefined')
    expect(typeof window).toBe('undefined')
    const [owner, holderA, holderB, reader] = (nodes = await Promise.all(
      [0, 1, 2, 3].map(() => startNode(PLEDGE)),
    )) as [TestNode, TestNode, TestNode, TestNode]
    for (const holder of [holderA, holderB]) {
      await owner.libp2p.dial(holder.libp2p.getMultiaddrs())
      await reader.libp2p.dial(holder.libp2p.getMultiaddrs())
    }
    // Several segments and a short last one, so stripes are decoded ahead and in order.
    const data = randomBytes(5 * SEGMENT + 1234)

    const uploaded = await uploadFile(
      {
        db: owner.db,
        network: shardNetwork(owner.libp2p.services),
        owner: owner.peerId.toString(),
        peers: () => [holderA.peerId.toString(), holderB.peerId.toString()],
        manifests: memoryManifests(),
        codec: localStripeCodec,
      },
      bytesSource(data, 'engine.bin'),
      { segmentSize: SEGMENT },
    )
    expect(uploaded.safe).toBe(true)
    const manifest = CID.parse(uploaded.record.manifestCid!)
    // The holders, not the owner, keep the shards: the reader never talks to the owner.
    expect(holderA.blocks.map.size).toBeGreaterThan(0)
    expect(holderB.blocks.map.size).toBeGreaterThan(0)
    expect(owner.blocks.map.size).toBe(0)

    const progress: number[] = []
    const download = await openDownload(
      { kind: 'read', manifest, key: uploaded.record.key },
      {
        network: libp2pDownloadNetwork(reader.libp2p, { relays: [] }),
        codec: localStripeCodec,
        onProgress: ({ bytes }) => progress.push(bytes),
      },
    )
    expect(download.opened.envelope.name).toBe('engine.bin')
    const got = await readAll(download.stream)
    expect(got.length).toBe(data.length)
    expect(equals(got, data)).toBe(true)
    expect(progress.at(-1)).toBe(data.length)
  })
})
