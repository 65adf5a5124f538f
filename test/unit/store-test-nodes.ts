import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { IDBPDatabase } from 'idb'
import type { Blockstore } from 'interface-blockstore'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { cofferFetch, type CofferFetch, type CofferFetchInit } from '../../src/net/fetch/index.ts'
import { localStripeCodec } from '../../src/core/stripe.ts'
import {
  cofferStore,
  type CofferStore,
  type CofferStoreInit,
  type ShardBuilder,
} from '../../src/net/store/index.ts'
import { openCofferDB, type CofferDB } from '../../src/storage/db.ts'
import { IdbHoldingLedger } from '../../src/storage/holding-ledger.ts'

/** An in-memory blockstore whose bytes a test can alter, as a dishonest holder would. */
export class MemoryBlocks {
  readonly map = new Map<string, Uint8Array>()
  /** While set, `get` and `has` wait for it: a holder that is slow to answer. */
  hold: Promise<void> | undefined
  /** Called when `get` or `has` starts waiting on `hold`. */
  onHold: (() => void) | undefined
  put(cid: CID, bytes: Uint8Array): CID {
    this.map.set(cid.toString(), bytes)
    return cid
  }
  async *get(cid: CID): AsyncGenerator<Uint8Array> {
    const hold = this.hold
    if (hold !== undefined) {
      this.onHold?.()
      await hold
    }
    const b = this.map.get(cid.toString())
    // As the real blockstores do: a missing block is a NotFoundError.
    if (b === undefined) throw Object.assign(new Error('not found'), { name: 'NotFoundError' })
    yield b
  }
  has(cid: CID): boolean | Promise<boolean> {
    const hold = this.hold
    if (hold === undefined) return this.map.has(cid.toString())
    this.onHold?.()
    return hold.then(() => this.map.has(cid.toString()))
  }
  delete(cid: CID): void {
    this.map.delete(cid.toString())
  }
}

export interface TestNode {
  libp2p: Libp2p<{ store: CofferStore; fetch: CofferFetch }>
  peerId: PeerId
  privateKey: PrivateKey
  blocks: MemoryBlocks
  holdings: IdbHoldingLedger
  pledge: { bytes: number }
  db: IDBPDatabase<CofferDB>
}

let dbCount = 0

/** A libp2p node over TCP on localhost with the store and fetch services. */
export async function startNode(
  pledgeBytes: number,
  storeInit: CofferStoreInit = {},
  fetchInit: CofferFetchInit = {},
  /** Blocks on disk (a keeper's) instead of the alterable in-memory store. */
  disk?: Pick<Blockstore, 'put' | 'get' | 'has' | 'delete'>,
): Promise<TestNode> {
  const privateKey = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(privateKey)
  const db = await openCofferDB(`store-svc-${dbCount++}-${Math.random()}`)
  const blocks = new MemoryBlocks()
  const blockstore = disk ?? blocks
  const holdings = new IdbHoldingLedger(db, peerId.toString())
  const pledge = { bytes: pledgeBytes }
  const late: { fetch?: CofferFetch } = {}
  const builder: ShardBuilder = {
    fetch: (peer, cid, options) => late.fetch!.fetchShard(peer, cid, options),
    rebuild: (input, options) => localStripeCodec.rebuildShards(input, options),
  }
  const libp2p = await createLibp2p({
    privateKey,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tests dial fresh nodes from localhost in quick succession.
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: {
      store: cofferStore(
        { blockstore, holdings, pledge: { pledgedBytes: () => pledge.bytes }, builder },
        storeInit,
      ),
      fetch: cofferFetch(
        {
          blockstore,
          space: { freeBytes: async () => pledge.bytes - (await holdings.usedBytes()) },
        },
        fetchInit,
      ),
    },
  })
  late.fetch = libp2p.services.fetch
  return { libp2p, peerId, privateKey, blocks, holdings, pledge, db }
}

export async function stopNode(node: TestNode | undefined): Promise<void> {
  await node?.libp2p.stop()
  node?.db.close()
}

export async function shard(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  return out
}
