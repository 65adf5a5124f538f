import 'fake-indexeddb/auto'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cofferFetch, FETCH_PROTOCOL, type CofferFetch } from '../../src/net/fetch/index.ts'
import {
  cofferStore,
  NoDirectConnectionError,
  STORE_PROTOCOL,
  type CofferStore,
} from '../../src/net/store/index.ts'
import { encodeMessage } from '../../src/core/protocol/index.ts'
import { readMessage, writeMessage } from '../../src/net/exchange/stream-io.ts'
import { openCofferDB } from '../../src/storage/db.ts'
import { IdbHoldingLedger } from '../../src/storage/holding-ledger.ts'

type Peer = Libp2p<{ store: CofferStore; fetch: CofferFetch; identify: Identify }>

const blocks = new Map<string, Uint8Array>()
const blockstore = {
  put: (cid: CID, b: Uint8Array) => (blocks.set(cid.toString(), b), cid),
  // eslint-disable-next-line @typescript-eslint/require-await
  get: async function* (cid: CID) {
    const b = blocks.get(cid.toString())
    if (b === undefined) throw new Error('not found')
    yield b
  },
  has: (cid: CID) => blocks.has(cid.toString()),
  delete: (cid: CID) => void blocks.delete(cid.toString()),
}

let relay: Libp2p
let alice: Peer
let bob: Peer

async function peer(name: string): Promise<Peer> {
  const db = await openCofferDB(`limited-${name}`)
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      store: cofferStore({
        blockstore,
        holdings: new IdbHoldingLedger(db, name),
        pledge: { pledgedBytes: () => 1e9 },
      }),
      fetch: cofferFetch({ blockstore }),
    },
  })
}

beforeAll(async () => {
  relay = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), relay: circuitRelayServer() },
  })
  alice = await peer('alice')
  bob = await peer('bob')
  await bob.dial(relay.getMultiaddrs()[0]!)
  // Wait for bob's reservation on the relay.
  for (
    let i = 0;
    i < 100 && !bob.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'));
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100))
  }
  const circuit = multiaddr(
    `${relay.getMultiaddrs()[0]!.toString()}/p2p-circuit/p2p/${bob.peerId.toString()}`,
  )
  await alice.dial(circuit)
})

afterAll(async () => {
  await alice?.stop()
  await bob?.stop()
  await relay?.stop()
})

describe('store and fetch over a relayed (limited) connection', () => {
  it('alice reaches bob only through the relay', () => {
    const conns = alice.getConnections(bob.peerId)
    expect(conns.length).toBeGreaterThan(0)
    expect(conns.every((c) => c.limits != null)).toBe(true)
  })

  it('the client refuses to send a shard over it', async () => {
    const bytes = new Uint8Array([1, 2, 3])
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await expect(alice.services.store.storeShard(bob.peerId, cid, bytes)).rejects.toThrow(
      NoDirectConnectionError,
    )
    await expect(alice.services.fetch.fetchShard(bob.peerId, cid)).rejects.toThrow(
      NoDirectConnectionError,
    )
  })

  it('the holder refuses the protocols on it even when the dialer insists', async () => {
    const bytes = new Uint8Array([4, 5, 6])
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    blocks.set(cid.toString(), bytes)
    const conn = alice.getConnections(bob.peerId)[0]!
    const requests: Array<[string, Uint8Array]> = [
      [
        STORE_PROTOCOL,
        encodeMessage({
          type: 'store',
          cid,
          block: bytes,
          owner: alice.peerId.toMultihash().bytes,
        }),
      ],
      [FETCH_PROTOCOL, encodeMessage({ type: 'fetch', cid })],
    ]
    for (const [protocol, body] of requests) {
      const signal = AbortSignal.timeout(10_000)
      const exchange = async (): Promise<Uint8Array> => {
        const stream = await conn.newStream(protocol, { runOnLimitedConnection: true, signal })
        await writeMessage(stream, [body], signal)
        await stream.close({ signal })
        return readMessage(stream, 1 << 20, signal)
      }
      await expect(exchange()).rejects.toThrow()
    }
  })
})
