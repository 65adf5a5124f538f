import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import { decodeExpected, deleteSigningBytes, encodeMessage } from '../../src/core/protocol/index.ts'
import { rebuildShards } from '../../src/core/stripe.ts'
import { BlockNotFoundError, CorruptBlockError } from '../../src/net/fetch/index.ts'
import {
  CofferStore,
  InvalidReceiptError,
  NoDirectConnectionError,
  STORE_PROTOCOL,
  StoreRefusedError,
  verifyReceipt,
} from '../../src/net/store/index.ts'
import { readMessage, writeMessage } from '../../src/net/exchange/stream-io.ts'
import { IdbHoldingLedger } from '../../src/storage/holding-ledger.ts'
import {
  MemoryBlocks,
  randomBytes,
  shard,
  startNode,
  stopNode,
  type TestNode,
} from './store-test-nodes.ts'

let owner: TestNode
let ownerKey: PrivateKey
let holder: TestNode
let stranger: TestNode

beforeAll(async () => {
  owner = await startNode(0)
  ownerKey = owner.privateKey
  holder = await startNode(1024 * 1024)
  stranger = await startNode(0)
  await owner.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!)
  await stranger.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!)
})

afterAll(async () => {
  for (const n of [owner, holder, stranger]) await stopNode(n)
})

describe('coffer store and fetch between real libp2p nodes', () => {
  it('stores a shard and returns a receipt signed by the holder', async () => {
    const bytes = randomBytes(256 * 1024)
    const cid = await shard(bytes)
    const receipt = await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    expect(receipt.cid.equals(cid)).toBe(true)
    expect(receipt.size).toBe(bytes.length)
    await expect(verifyReceipt(receipt)).resolves.toBeUndefined()
    expect(holder.blocks.has(cid)).toBe(true)
    // What the holder writes to its store is the block alone, not the request around it.
    const kept = holder.blocks.map.get(cid.toString())!
    expect(kept.byteOffset).toBe(0)
    expect(kept.buffer.byteLength).toBe(bytes.length)
    expect(Buffer.from(kept).equals(bytes)).toBe(true)
    expect((await holder.holdings.get(cid.toString()))?.owners).toEqual([owner.peerId.toString()])
    expect(await holder.holdings.usedBytes()).toBe(256 * 1024)

    // A receipt altered after signing no longer verifies.
    await expect(verifyReceipt({ ...receipt, size: receipt.size + 1 })).rejects.toThrow(
      InvalidReceiptError,
    )
    await expect(
      verifyReceipt({ ...receipt, holder: owner.peerId.toMultihash().bytes }),
    ).rejects.toThrow(InvalidReceiptError)
  })

  it('fetches the bytes back, and says who has what', async () => {
    const bytes = randomBytes(100_000)
    const cid = await shard(bytes)
    await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    expect(await owner.libp2p.services.fetch.fetchShard(holder.peerId, cid)).toEqual(bytes)
    const missing = await shard(new Uint8Array([1, 2, 3]))
    expect(await stranger.libp2p.services.fetch.whoHas(holder.peerId, [missing, cid])).toEqual([
      false,
      true,
    ])
    await expect(owner.libp2p.services.fetch.fetchShard(holder.peerId, missing)).rejects.toThrow(
      BlockNotFoundError,
    )
  })

  it('reports its free pledged space to uploaders', async () => {
    const free = await owner.libp2p.services.fetch.freeSpace(holder.peerId)
    expect(free).toBe(holder.pledge.bytes - (await holder.holdings.usedBytes()))
    expect(free).toBeGreaterThan(0)
    expect(await holder.libp2p.services.fetch.freeSpace(owner.peerId)).toBe(0)
  })

  it('refuses a store beyond the pledge with PLEDGE_FULL', async () => {
    const bytes = randomBytes(1024 * 1024)
    const cid = await shard(bytes)
    const err = await owner.libp2p.services.store
      .storeShard(holder.peerId, cid, bytes)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreRefusedError)
    expect((err as StoreRefusedError).reason).toBe('PLEDGE_FULL')
    expect(holder.blocks.has(cid)).toBe(false)
  })

  it('refuses a block whose bytes do not match its CID', async () => {
    const bytes = randomBytes(1000)
    const wrong = await shard(randomBytes(1000))
    const err = await owner.libp2p.services.store
      .storeShard(holder.peerId, wrong, bytes)
      .catch((e: unknown) => e)
    expect((err as StoreRefusedError).reason).toBe('CID_MISMATCH')
    expect(holder.blocks.has(wrong)).toBe(false)
  })

  it('catches a holder that serves altered bytes', async () => {
    const bytes = randomBytes(5000)
    const cid = await shard(bytes)
    await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    const altered = Uint8Array.from(bytes)
    altered[1234] = altered[1234]! ^ 0x40
    holder.blocks.map.set(cid.toString(), altered)
    await expect(owner.libp2p.services.fetch.fetchShard(holder.peerId, cid)).rejects.toThrow(
      CorruptBlockError,
    )
  })

  it('lets the owner delete, which frees the pledge, and ignores deletes from others', async () => {
    const bytes = randomBytes(50_000)
    const cid = await shard(bytes)
    await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    const before = await holder.holdings.usedBytes()

    // Another member, with a valid signature of its own, cannot make the holder drop it.
    const byStranger = await stranger.libp2p.services.store.deleteShards(holder.peerId, [cid])
    expect(byStranger.deleted).toEqual([])
    expect(holder.blocks.has(cid)).toBe(true)

    const result = await owner.libp2p.services.store.deleteShards(holder.peerId, [cid])
    expect(result.deleted.map(String)).toEqual([cid.toString()])
    expect(holder.blocks.has(cid)).toBe(false)
    expect(await holder.holdings.get(cid.toString())).toBeUndefined()
    expect(await holder.holdings.usedBytes()).toBe(before - 50_000)
  })

  it('refuses a delete whose signature does not verify', async () => {
    const bytes = randomBytes(2000)
    const cid = await shard(bytes)
    await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    const unsigned = {
      cids: [cid],
      owner: owner.peerId.toMultihash().bytes,
      holder: holder.peerId.toMultihash().bytes,
      time: Date.now(),
    }
    // Signed by the stranger's key but claiming the owner: the signature must not verify.
    const strangerKey = await generateKeyPair('Ed25519')
    const signature = await strangerKey.sign(deleteSigningBytes(unsigned))
    const conn = owner.libp2p.getConnections(holder.peerId)[0]!
    const stream = await conn.newStream(STORE_PROTOCOL)
    const signal = AbortSignal.timeout(10_000)
    await writeMessage(stream, [encodeMessage({ type: 'delete', ...unsigned, signature })], signal)
    await stream.close()
    const response = decodeExpected(await readMessage(stream, 64 * 1024, signal), [
      'error',
      'delete-ok',
    ])
    expect(response).toMatchObject({ type: 'error', code: 'BAD_SIGNATURE' })
    expect(holder.blocks.has(cid)).toBe(true)
  })

  it('refuses a correctly signed delete that is too old to be fresh', async () => {
    const bytes = randomBytes(300)
    const cid = await shard(bytes)
    await owner.libp2p.services.store.storeShard(holder.peerId, cid, bytes)
    const unsigned = {
      cids: [cid],
      owner: owner.peerId.toMultihash().bytes,
      holder: holder.peerId.toMultihash().bytes,
      time: Date.now() - 60 * 60_000,
    }
    const signature = await ownerKey.sign(deleteSigningBytes(unsigned))
    const conn = owner.libp2p.getConnections(holder.peerId)[0]!
    const stream = await conn.newStream(STORE_PROTOCOL)
    const signal = AbortSignal.timeout(10_000)
    await writeMessage(stream, [encodeMessage({ type: 'delete', ...unsigned, signature })], signal)
    await stream.close()
    const response = decodeExpected(await readMessage(stream, 64 * 1024, signal), [
      'error',
      'delete-ok',
    ])
    expect(response).toMatchObject({ type: 'error', code: 'STALE' })
    expect(holder.blocks.has(cid)).toBe(true)
  })

  it('answers garbage with a typed error instead of crashing', async () => {
    const conn = owner.libp2p.getConnections(holder.peerId)[0]!
    const stream = await conn.newStream(STORE_PROTOCOL)
    const signal = AbortSignal.timeout(10_000)
    await writeMessage(stream, [new Uint8Array([0xa1, 0x61, 0x76, 0x02])], signal)
    await stream.close()
    const response = decodeExpected(await readMessage(stream, 64 * 1024, signal), ['error'])
    expect(response.code).toBe('BAD_REQUEST')
    // The holder still serves afterwards.
    const bytes = randomBytes(10)
    await owner.libp2p.services.store.storeShard(holder.peerId, await shard(bytes), bytes)
  })
})

describe('a holder builds a shard from shards other peers keep', () => {
  let a: TestNode
  let b: TestNode
  let builder: TestNode
  // k = 2, n = 4: two data shards on a and b, parity shards 2 and 3 to be built.
  const data = [randomBytes(64 * 1024), randomBytes(64 * 1024)]
  const parity = rebuildShards({
    k: 2,
    n: 4,
    shards: [...data, undefined, undefined],
    want: [2, 3],
  })
  let cids: CID[]

  beforeAll(async () => {
    a = await startNode(1024 * 1024)
    b = await startNode(1024 * 1024)
    builder = await startNode(200 * 1024)
    for (const n of [a, b, builder]) await owner.libp2p.dial(n.libp2p.getMultiaddrs()[0]!)
    for (const n of [a, b]) await builder.libp2p.dial(n.libp2p.getMultiaddrs()[0]!)
    cids = await Promise.all([...data, ...parity].map((d) => shard(d)))
    await owner.libp2p.services.store.storeShard(a.peerId, cids[0]!, data[0]!)
    await owner.libp2p.services.store.storeShard(b.peerId, cids[1]!, data[1]!)
  })
  afterAll(async () => {
    for (const n of [a, b, builder]) await stopNode(n)
  })

  const source = (index: number, node: TestNode) => ({
    index,
    cid: cids[index]!,
    holder: node.peerId.toMultihash().bytes,
  })
  /** Asks the builder for shard `cid` as position `index`, from sources 0 and 1. */
  const build = (cid: CID, index: number, from: [TestNode, TestNode]) =>
    owner.libp2p.services.store.buildShard(builder.peerId, {
      cid,
      size: 64 * 1024,
      k: 2,
      n: 4,
      index,
      sources: [source(0, from[0]), source(1, from[1])],
    })
  const reason = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: unknown) => (e as StoreRefusedError).reason,
    )

  it('keeps the shard it computed and signs a receipt for it', async () => {
    const receipt = await build(cids[2]!, 2, [a, b])
    await expect(verifyReceipt(receipt)).resolves.toBeUndefined()
    expect(receipt.holder).toEqual(builder.peerId.toMultihash().bytes)
    expect(builder.blocks.map.get(cids[2]!.toString())).toEqual(parity[0])
    expect((await builder.holdings.get(cids[2]!.toString()))?.owners).toEqual([
      owner.peerId.toString(),
    ])
    expect(await builder.holdings.usedBytes()).toBe(64 * 1024)
  })

  it('refuses with CID_MISMATCH when the sources do not make the shard named', async () => {
    // Shard 3's CID with shard 2's position: the bytes built are shard 2's.
    expect(await reason(build(cids[3]!, 2, [a, b]))).toBe('CID_MISMATCH')
    expect(builder.blocks.has(cids[3]!)).toBe(false)
    expect(await builder.holdings.usedBytes()).toBe(64 * 1024)
  })

  it('refuses with SOURCE_FAILED when a source is not where the request says', async () => {
    expect(await reason(build(cids[3]!, 3, [b, b]))).toBe('SOURCE_FAILED')
    expect(builder.blocks.has(cids[3]!)).toBe(false)
  })

  it('refuses beyond its pledge with PLEDGE_FULL before reading any source', async () => {
    builder.pledge.bytes = 100 * 1024
    const asked: string[] = []
    a.blocks.onHold = () => asked.push('a')
    a.blocks.hold = Promise.resolve()
    try {
      expect(await reason(build(cids[3]!, 3, [a, b]))).toBe('PLEDGE_FULL')
      expect(asked).toEqual([])
    } finally {
      a.blocks.hold = undefined
      a.blocks.onHold = undefined
      builder.pledge.bytes = 200 * 1024
    }
  })
})

describe('pledge and size limits under load', () => {
  let small: TestNode
  beforeAll(async () => {
    small = await startNode(700_000, { maxBlockBytes: 400_000 })
    await owner.libp2p.dial(small.libp2p.getMultiaddrs()[0]!)
  })
  afterAll(async () => {
    await stopNode(small)
  })

  it('never lets concurrent stores overrun the pledge together', async () => {
    const shards = await Promise.all(
      [0, 1, 2].map(async () => {
        const bytes = randomBytes(300_000)
        return { bytes, cid: await shard(bytes) }
      }),
    )
    const results = await Promise.allSettled(
      shards.map((s) => owner.libp2p.services.store.storeShard(small.peerId, s.cid, s.bytes)),
    )
    const refused = results.filter((r) => r.status === 'rejected')
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2)
    expect(refused).toHaveLength(1)
    expect(((refused[0] as PromiseRejectedResult).reason as StoreRefusedError).reason).toBe(
      'PLEDGE_FULL',
    )
    expect(await small.holdings.usedBytes()).toBe(600_000)
    expect(small.blocks.map.size).toBe(2)
  })

  it('refuses a block above the holder’s size limit with TOO_LARGE', async () => {
    small.pledge.bytes = 10_000_000
    const bytes = randomBytes(500_000)
    const err = await owner.libp2p.services.store
      .storeShard(small.peerId, await shard(bytes), bytes)
      .catch((e: unknown) => e)
    expect((err as StoreRefusedError).reason).toBe('TOO_LARGE')
  })
})

describe('direct connections only', () => {
  it('refuses to send a shard over a limited (relayed) connection', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    let opened = false
    const limited = {
      status: 'open',
      limits: { bytes: 1n << 17n, seconds: 120 },
      newStream: () => {
        opened = true
        throw new Error('must not open a stream')
      },
    } as unknown as Connection
    const store = new CofferStore({
      registrar: { handle: async () => {}, unhandle: async () => {} },
      connectionManager: { getConnections: () => [limited] },
      peerId: peerIdFromPrivateKey(privateKey),
      privateKey,
      logger: defaultLogger(),
      blockstore: new MemoryBlocks(),
      holdings: new IdbHoldingLedger(owner.db, 'unused'),
      pledge: { pledgedBytes: () => 0 },
    })
    const bytes = new Uint8Array([1])
    await expect(store.storeShard(holder.peerId, await shard(bytes), bytes)).rejects.toThrow(
      NoDirectConnectionError,
    )
    expect(opened).toBe(false)
  })
})
