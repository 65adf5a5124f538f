import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Blockstore } from 'interface-blockstore'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deriveCoopKeys, newCoopSecret } from '../../src/core/membership/index.ts'
import { encodeLengthPrefix } from '../../src/core/protocol/index.ts'
import { cofferFetch, type CofferFetch } from '../../src/net/fetch/index.ts'
import {
  cofferMember,
  MEMBER_PROTOCOL,
  ProvenMembers,
  type CofferMember,
} from '../../src/net/member/index.ts'
import { cofferStore, StoreRefusedError, type CofferStore } from '../../src/net/store/index.ts'
import { openCofferDB } from '../../src/storage/db.ts'
import { IdbHoldingLedger } from '../../src/storage/holding-ledger.ts'
import { MemoryBlocks, randomBytes, shard } from './store-test-nodes.ts'

type Services = { member: CofferMember; store: CofferStore; fetch: CofferFetch }
interface Peer {
  libp2p: Libp2p<Services>
  members: ProvenMembers
  blocks: MemoryBlocks
}

let count = 0
const peers: Array<{ stop(): void | Promise<void> }> = []

/** A co-op peer over TCP: member, store and fetch services, as a tab or keeper has them. */
async function startPeer(memberKey: Uint8Array): Promise<Peer> {
  const privateKey = await generateKeyPair('Ed25519')
  const db = await openCofferDB(`member-${count++}-${Math.random()}`)
  const blocks = new MemoryBlocks()
  const blockstore = blocks as unknown as Pick<Blockstore, 'put' | 'get' | 'has' | 'delete'>
  const members = new ProvenMembers()
  const libp2p = await createLibp2p({
    privateKey,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: {
      member: cofferMember({ memberKey, members }),
      store: cofferStore({
        blockstore,
        holdings: new IdbHoldingLedger(db, peerIdFromPrivateKey(privateKey).toString()),
        pledge: { pledgedBytes: () => 1024 * 1024 },
        members,
      }),
      fetch: cofferFetch({ blockstore, space: { freeBytes: () => 1024 * 1024 }, members }),
    },
  })
  peers.push(libp2p)
  return { libp2p, members, blocks }
}

/** A share-link visitor: only the fetch service, no secret, no handshake. */
async function startGuest(): Promise<Libp2p<{ fetch: CofferFetch }>> {
  const libp2p = await createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { fetch: cofferFetch({ blockstore: new MemoryBlocks() }) },
  })
  peers.push(libp2p)
  return libp2p
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const coopKey = deriveCoopKeys(newCoopSecret()).memberKey
const otherKey = deriveCoopKeys(newCoopSecret()).memberKey
let a: Peer
let b: Peer
let outsider: Peer

beforeAll(async () => {
  a = await startPeer(coopKey)
  b = await startPeer(coopKey)
  outsider = await startPeer(otherKey)
})

afterAll(async () => {
  for (const p of peers) await p.stop()
})

// 1,000 through real streams by default (10,000 took 400 s on a loaded 2-core machine); the
// decoders alone get 10,000 each in core-membership-fuzz.test.ts. FUZZ_TOTAL asks for more.
const FUZZ_TOTAL = Number(process.env.FUZZ_TOTAL ?? 1_000)

describe('membership handshake', () => {
  it('proves members to each other on a new connection, and forgets on close', async () => {
    const conn = await a.libp2p.dial(b.libp2p.getMultiaddrs()[0]!)
    await until(() => a.members.isProven(b.libp2p.peerId) && b.members.isProven(a.libp2p.peerId))
    const bytes = randomBytes(1000)
    const cid = await shard(bytes)
    const receipt = await a.libp2p.services.store.storeShard(b.libp2p.peerId, cid, bytes)
    expect(receipt.cid.equals(cid)).toBe(true)
    expect(await a.libp2p.services.fetch.freeSpace(b.libp2p.peerId)).toBe(1024 * 1024)
    await conn.close()
    await until(() => !a.members.isProven(b.libp2p.peerId) && !b.members.isProven(a.libp2p.peerId))
  })

  it('refuses an outsider both ways, and answers its store, space and delete with NOT_MEMBER', async () => {
    const conn = await outsider.libp2p.dial(b.libp2p.getMultiaddrs()[0]!)
    const started = await outsider.libp2p.services.member.prove(conn)
    expect(started).toBe(false)
    expect(outsider.members.isProven(b.libp2p.peerId)).toBe(false)
    expect(b.members.isProven(outsider.libp2p.peerId)).toBe(false)

    const bytes = randomBytes(2000)
    const cid = await shard(bytes)
    const o = outsider.libp2p.services
    const notMember = (err: unknown): void => {
      expect(err).toBeInstanceOf(StoreRefusedError)
      expect((err as StoreRefusedError).reason).toBe('NOT_MEMBER')
    }
    await o.store.storeShard(b.libp2p.peerId, cid, bytes).then(() => {
      throw new Error('stored')
    }, notMember)
    await o.store.deleteShards(b.libp2p.peerId, [cid]).then(() => {
      throw new Error('deleted')
    }, notMember)
    await expect(o.fetch.freeSpace(b.libp2p.peerId)).rejects.toThrow(/NOT_MEMBER/)
    expect(b.blocks.map.has(cid.toString())).toBe(false)
    await conn.close()
  })

  it('lets a guest with no secret fetch and ask who has what', async () => {
    const bytes = randomBytes(4096)
    const cid = await shard(bytes)
    b.blocks.put(cid, bytes)
    const guest = await startGuest()
    await guest.dial(b.libp2p.getMultiaddrs()[0]!)
    const got = await guest.services.fetch.fetchShard(b.libp2p.peerId, cid)
    expect(got).toEqual(bytes)
    expect(await guest.services.fetch.whoHas(b.libp2p.peerId, [cid])).toEqual([true])
    await expect(guest.services.fetch.freeSpace(b.libp2p.peerId)).rejects.toThrow(/NOT_MEMBER/)
  })

  it(`survives ${FUZZ_TOTAL} malformed handshake messages and keeps serving members`, async () => {
    let seed = 1
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const malformed = (i: number): Uint8Array => {
      const body = new Uint8Array(rand(i % 3 === 0 ? 200 : 70))
      for (let j = 0; j < body.length; j++) body[j] = rand(256)
      // Most are framed (so they reach the decoders); some are raw bytes or a huge length.
      if (i % 10 === 0) return body
      if (i % 10 === 1) return encodeLengthPrefix(1 << 20)
      if (i % 10 === 2 && body.length > 0) body[0] = 1
      return new Uint8Array([...encodeLengthPrefix(body.length), ...body])
    }
    const total = FUZZ_TOTAL
    let sent = 0
    let refusedStreams = 0
    // Several connections (each has its own stream limit), a few streams in flight on each.
    const fuzzers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => startGuest()))
    const conns: Connection[] = await Promise.all(
      fuzzers.map(async (f) => f.dial(b.libp2p.getMultiaddrs()[0]!)),
    )
    const worker = async (conn: Connection): Promise<void> => {
      while (sent < total) {
        const i = sent++
        try {
          const stream = await conn.newStream(MEMBER_PROTOCOL, {
            signal: AbortSignal.timeout(5000),
          })
          stream.send(malformed(i))
          await stream.close().catch(() => stream.abort(new Error('done')))
        } catch {
          // The holder reset the stream (stream limit, or it already refused the bytes).
          refusedStreams++
        }
      }
    }
    await Promise.all(conns.flatMap((c) => [worker(c), worker(c), worker(c)]))
    expect(sent).toBeGreaterThanOrEqual(total)
    expect(refusedStreams).toBeLessThan(total / 2)
    for (const f of fuzzers) expect(b.members.isProven(f.peerId)).toBe(false)

    // b still proves a member and serves its store request.
    const c = await startPeer(coopKey)
    await c.libp2p.dial(b.libp2p.getMultiaddrs()[0]!)
    await until(() => b.members.isProven(c.libp2p.peerId) && c.members.isProven(b.libp2p.peerId))
    const bytes = randomBytes(3000)
    const cid = await shard(bytes)
    const receipt = await c.libp2p.services.store.storeShard(b.libp2p.peerId, cid, bytes)
    expect(receipt.cid.equals(cid)).toBe(true)
  }, 600_000)
})
