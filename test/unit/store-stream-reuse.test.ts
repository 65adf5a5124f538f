import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeExpected,
  encodeFrame,
  encodeMessage,
  MAX_BLOCK_BYTES,
  MESSAGE_OVERHEAD_BYTES,
} from '../../src/core/protocol/index.ts'
import { FETCH_PROTOCOL, type CofferFetchInit } from '../../src/net/fetch/index.ts'
import {
  CofferStore,
  STORE_PROTOCOL,
  StoreRefusedError,
  StreamFailedError,
  StreamPoolClosedError,
  type CofferStoreInit,
} from '../../src/net/store/index.ts'
import { MessageReader } from '../../src/net/exchange/message-reader.ts'
import { writeMessage } from '../../src/net/exchange/stream-io.ts'
import { IdbHoldingLedger } from '../../src/storage/holding-ledger.ts'
import {
  MemoryBlocks,
  randomBytes,
  shard,
  startNode,
  stopNode,
  type TestNode,
} from './store-test-nodes.ts'

let holder: TestNode
/** Refuses blocks above 400 kB. */
let strict: TestNode
/** Closes streams after 300 ms without a request. */
let impatient: TestNode
const owners: TestNode[] = []

beforeAll(async () => {
  holder = await startNode(4 * 1024 * 1024)
  strict = await startNode(10_000_000, { maxBlockBytes: 400_000 })
  impatient = await startNode(10_000_000, { idleTimeout: 300 }, { idleTimeout: 300 })
})

afterEach(async () => {
  for (const o of owners.splice(0)) await stopNode(o)
})

afterAll(async () => {
  for (const n of [holder, strict, impatient]) await stopNode(n)
})

/** Streams `node` opened, by protocol. */
interface OpenCount {
  [STORE_PROTOCOL]: number
  [FETCH_PROTOCOL]: number
}

/**
 * A fresh owner connected to `peer`, counting the streams it opens. Pooled streams never go
 * idle long enough to be closed by the owner unless `poolIdleTimeout` says so.
 */
async function ownerOf(
  peer: TestNode,
  storeInit: CofferStoreInit = {},
  fetchInit: CofferFetchInit = {},
): Promise<{ node: TestNode; opened: OpenCount; connection: Connection }> {
  const node = await startNode(
    0,
    { poolIdleTimeout: 60_000, ...storeInit },
    {
      poolIdleTimeout: 60_000,
      ...fetchInit,
    },
  )
  owners.push(node)
  const connection = await node.libp2p.dial(peer.libp2p.getMultiaddrs()[0]!)
  const opened: OpenCount = { [STORE_PROTOCOL]: 0, [FETCH_PROTOCOL]: 0 }
  const newStream = connection.newStream.bind(connection)
  connection.newStream = (protocols, options) => {
    for (const p of [protocols].flat()) if (p in opened) opened[p as keyof OpenCount]++
    return newStream(protocols, options)
  }
  return { node, opened, connection }
}

async function storeRandom(
  owner: TestNode,
  peer: TestNode,
  size: number,
): Promise<{ cid: Awaited<ReturnType<typeof shard>>; bytes: Uint8Array }> {
  const bytes = randomBytes(size)
  const cid = await shard(bytes)
  await owner.libp2p.services.store.storeShard(peer.peerId, cid, bytes)
  return { cid, bytes }
}

/** Resolves once `check` holds; polls, since the event it waits for happens on the other node. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`gave up waiting until ${what}`)
}

function openStreams(node: TestNode, peer: PeerId, protocol: string): Stream[] {
  return node.libp2p
    .getConnections(peer)
    .flatMap((c) => c.streams)
    .filter((s) => s.protocol === protocol && s.status === 'open')
}

/** Makes the holder's fetch handler wait; returns when it is waiting, and the release. */
function holdFetches(node: TestNode): { waiting: Promise<void>; release: () => void } {
  const waiting = Promise.withResolvers<void>()
  const gate = Promise.withResolvers<void>()
  node.blocks.hold = gate.promise
  node.blocks.onHold = () => waiting.resolve()
  return {
    waiting: waiting.promise,
    release: () => {
      node.blocks.hold = undefined
      gate.resolve()
    },
  }
}

describe('several exchanges per stream', () => {
  it('carries consecutive stores and fetches to one peer on one stream per protocol', async () => {
    const { node, opened } = await ownerOf(holder)
    const stored = []
    for (let i = 0; i < 4; i++) stored.push(await storeRandom(node, holder, 50_000))
    for (const s of stored)
      expect(await node.libp2p.services.fetch.fetchShard(holder.peerId, s.cid)).toEqual(s.bytes)
    expect(
      await node.libp2p.services.fetch.whoHas(
        holder.peerId,
        stored.map((s) => s.cid),
      ),
    ).toEqual([true, true, true, true])
    expect(await node.libp2p.services.fetch.freeSpace(holder.peerId)).toBeGreaterThan(0)
    expect(opened).toEqual({ [STORE_PROTOCOL]: 1, [FETCH_PROTOCOL]: 1 })
  })

  it('opens at most maxStreamsPerPeer streams for concurrent requests, all of which succeed', async () => {
    const { node, opened } = await ownerOf(
      holder,
      { maxStreamsPerPeer: 3 },
      { maxStreamsPerPeer: 3 },
    )
    const shards = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const bytes = randomBytes(20_000)
        return { bytes, cid: await shard(bytes) }
      }),
    )
    const receipts = await Promise.all(
      shards.map((s) => node.libp2p.services.store.storeShard(holder.peerId, s.cid, s.bytes)),
    )
    expect(receipts.map((r) => r.cid.toString())).toEqual(shards.map((s) => s.cid.toString()))
    const fetched = await Promise.all(
      shards.map((s) => node.libp2p.services.fetch.fetchShard(holder.peerId, s.cid)),
    )
    expect(fetched).toEqual(shards.map((s) => s.bytes))
    expect(opened[STORE_PROTOCOL]).toBeGreaterThanOrEqual(1)
    expect(opened[STORE_PROTOCOL]).toBeLessThanOrEqual(3)
    expect(opened[FETCH_PROTOCOL]).toBeGreaterThanOrEqual(1)
    expect(opened[FETCH_PROTOCOL]).toBeLessThanOrEqual(3)
  })

  it('answers a refused store and then a good one on the same stream', async () => {
    const { node, opened } = await ownerOf(holder)
    const saved = holder.pledge.bytes
    holder.pledge.bytes = await holder.holdings.usedBytes()
    try {
      const bytes = randomBytes(10_000)
      const err = await node.libp2p.services.store
        .storeShard(holder.peerId, await shard(bytes), bytes)
        .catch((e: unknown) => e)
      expect((err as StoreRefusedError).reason).toBe('PLEDGE_FULL')
    } finally {
      holder.pledge.bytes = saved
    }
    const { cid } = await storeRandom(node, holder, 10_000)
    expect(holder.blocks.map.has(cid.toString())).toBe(true)
    expect(opened[STORE_PROTOCOL]).toBe(1)
  })

  it('answers an oversized store with TOO_LARGE, then serves the next on a new stream', async () => {
    const { node, opened } = await ownerOf(strict)
    const bytes = randomBytes(500_000)
    const err = await node.libp2p.services.store
      .storeShard(strict.peerId, await shard(bytes), bytes)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreRefusedError)
    expect((err as StoreRefusedError).reason).toBe('TOO_LARGE')
    await storeRandom(node, strict, 1000)
    // The holder closes a stream after a framing error, so it is never reused.
    expect(opened[STORE_PROTOCOL]).toBe(2)
  })

  it('drops a stream whose exchange was aborted and opens a new one', async () => {
    const { node, opened } = await ownerOf(holder)
    const { cid, bytes } = await storeRandom(node, holder, 5000)
    expect(await node.libp2p.services.fetch.fetchShard(holder.peerId, cid)).toEqual(bytes)

    const held = holdFetches(holder)
    const controller = new AbortController()
    const aborted = node.libp2p.services.fetch.fetchShard(holder.peerId, cid, {
      signal: controller.signal,
    })
    await held.waiting
    controller.abort()
    await expect(aborted).rejects.toThrow()
    held.release()

    expect(await node.libp2p.services.fetch.fetchShard(holder.peerId, cid)).toEqual(bytes)
    expect(opened[FETCH_PROTOCOL]).toBe(2)
  })

  it('lets a caller give up while waiting for a stream without taking its place', async () => {
    const { node, opened } = await ownerOf(holder, {}, { maxStreamsPerPeer: 1 })
    const { cid, bytes } = await storeRandom(node, holder, 5000)
    const held = holdFetches(holder)
    const first = node.libp2p.services.fetch.fetchShard(holder.peerId, cid)
    await held.waiting
    const controller = new AbortController()
    const queued = node.libp2p.services.fetch.fetchShard(holder.peerId, cid, {
      signal: controller.signal,
    })
    controller.abort()
    await expect(queued).rejects.toThrow(/abort/i)
    held.release()
    expect(await first).toEqual(bytes)
    expect(await node.libp2p.services.fetch.fetchShard(holder.peerId, cid)).toEqual(bytes)
    expect(opened[FETCH_PROTOCOL]).toBe(1)
  })

  it('fails requests still waiting for a stream when the service stops', async () => {
    const { node } = await ownerOf(holder, {}, { maxStreamsPerPeer: 1 })
    const { cid, bytes } = await storeRandom(node, holder, 5000)
    const held = holdFetches(holder)
    const first = node.libp2p.services.fetch.fetchShard(holder.peerId, cid)
    await held.waiting
    const queued = node.libp2p.services.fetch.fetchShard(holder.peerId, cid)
    await node.libp2p.services.fetch.stop()
    await expect(queued).rejects.toThrow(StreamPoolClosedError)
    held.release()
    expect(await first).toEqual(bytes)
  })
})

describe('idle streams', () => {
  it('the holder closes a stream left idle past its idle timeout; the owner then opens another', async () => {
    const { node, opened } = await ownerOf(impatient)
    await storeRandom(node, impatient, 1000)
    expect(openStreams(node, impatient.peerId, STORE_PROTOCOL)).toHaveLength(1)
    await until(
      () => openStreams(node, impatient.peerId, STORE_PROTOCOL).length === 0,
      'the holder closed the idle stream',
    )
    await storeRandom(node, impatient, 1000)
    expect(opened[STORE_PROTOCOL]).toBe(2)
  })

  it('the owner closes its idle streams, and the holder ends its side cleanly', async () => {
    const { node } = await ownerOf(holder, { poolIdleTimeout: 200 })
    await storeRandom(node, holder, 1000)
    await until(
      () =>
        openStreams(node, holder.peerId, STORE_PROTOCOL).length === 0 &&
        openStreams(holder, node.peerId, STORE_PROTOCOL).length === 0,
      'both sides closed the idle stream',
    )
  })
})

describe('the holder side of a stream', () => {
  it('answers requests one after another, even two sent in one chunk, until the client closes', async () => {
    const { node, connection } = await ownerOf(holder)
    const { cid, bytes } = await storeRandom(node, holder, 3000)
    const stream = await connection.newStream(FETCH_PROTOCOL)
    const reader = new MessageReader(stream, MAX_BLOCK_BYTES + MESSAGE_OVERHEAD_BYTES)
    const signal = AbortSignal.timeout(10_000)
    const max = MAX_BLOCK_BYTES + MESSAGE_OVERHEAD_BYTES
    const answer = async (): Promise<string> =>
      decodeExpected((await reader.next(max, signal))!, ['block', 'space-info']).type

    await writeMessage(stream, [encodeMessage({ type: 'fetch', cid })], signal)
    expect(await answer()).toBe('block')
    const two = [
      encodeFrame(encodeMessage({ type: 'space' })),
      encodeFrame(encodeMessage({ type: 'fetch', cid })),
    ]
    stream.send(Uint8Array.from([...two[0]!, ...two[1]!]))
    expect(await answer()).toBe('space-info')
    const last = decodeExpected((await reader.next(max, signal))!, ['block'])
    expect(last.block).toEqual(bytes)

    await stream.close()
    // The holder ends its side at a frame boundary once the client has no more requests.
    expect(await reader.next(max, signal)).toBeUndefined()
  })

  it('answers a malformed request with BAD_REQUEST, then closes the stream', async () => {
    const { connection } = await ownerOf(holder)
    const stream = await connection.newStream(STORE_PROTOCOL)
    const reader = new MessageReader(stream, 64 * 1024)
    const signal = AbortSignal.timeout(10_000)
    await writeMessage(stream, [new Uint8Array([0xa1, 0x61, 0x76, 0x02])], signal)
    const response = decodeExpected((await reader.next(64 * 1024, signal))!, ['error'])
    expect(response.code).toBe('BAD_REQUEST')
    expect(await reader.next(64 * 1024, signal)).toBeUndefined()
  })
})

describe('failures that are not Errors', () => {
  it('turns a stream that rejects with a DOM Event into a StreamFailedError', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    // What libp2p's WebRTC transport does when a data channel closes before it opens.
    const connection = {
      status: 'open',
      limits: undefined,
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
      newStream: () => Promise.reject(new Event('close')),
    } as unknown as Connection
    const store = new CofferStore(
      {
        registrar: { handle: async () => {}, unhandle: async () => {} },
        connectionManager: { getConnections: () => [connection] },
        peerId: peerIdFromPrivateKey(privateKey),
        privateKey,
        logger: defaultLogger(),
        blockstore: new MemoryBlocks(),
        holdings: new IdbHoldingLedger(holder.db, 'unused'),
        pledge: { pledgedBytes: () => 0 },
      },
      { maxStreamsPerPeer: 1 },
    )
    const bytes = new Uint8Array([1])
    const cid = await shard(bytes)
    // Twice: a failed open gives its place back, so the second does not wait forever.
    for (let i = 0; i < 2; i++) {
      const err = await store.storeShard(holder.peerId, cid, bytes).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StreamFailedError)
      expect((err as Error).message).toContain("'close'")
    }
  })
})
