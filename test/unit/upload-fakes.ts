/**
 * In-memory co-op for the upload and repair unit tests: peers with real peer ids (receipts
 * name their holder by multihash), pledges, and the shard operations.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { CID } from 'multiformats/cid'
import { blockMatches } from '../../src/core/block.ts'
import { rebuildShards } from '../../src/core/stripe.ts'
import type { Receipt } from '../../src/core/protocol/index.ts'
import { StoreRefusedError, type ShardNetwork } from '../../src/net/store/index.ts'

export interface FakePeer {
  id: string
  pledge: number
  blocks: Map<string, Uint8Array>
  online: boolean
}

export async function makePeerIds(count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () =>
      peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(),
    ),
  )
}

export class FakeCoop {
  readonly peers = new Map<string, FakePeer>()
  stores = 0
  /** CIDs of the blocks the owner sent in store requests, in order. */
  readonly storedCids: string[] = []
  builds = 0
  /** Optional hook run before each build (to make a holder fail one). */
  beforeBuild?: (peer: string, cid: CID) => void | Promise<void>

  /** With `build`, holders build shards from others as real holders do (`network.build`). */
  constructor(options: { build?: boolean } = {}) {
    if (options.build !== true) delete this.network.build
  }
  /** Optional hook run before each store (to cancel or fail mid-upload). */
  beforeStore?: (peer: string, cid: CID) => void | Promise<void>
  /** Optional hook run after a peer kept a block, before it answers (to lose the answer). */
  afterStore?: (peer: string, cid: CID) => void

  add(id: string, pledge = 1e9): FakePeer {
    const p: FakePeer = { id, pledge, blocks: new Map(), online: true }
    this.peers.set(id, p)
    return p
  }

  online(): string[] {
    return [...this.peers.values()].filter((p) => p.online).map((p) => p.id)
  }

  used(p: FakePeer): number {
    let u = 0
    for (const b of p.blocks.values()) u += b.length
    return u
  }

  async #keep(p: FakePeer, cid: CID, bytes: Uint8Array): Promise<Receipt> {
    if (!(await blockMatches(cid, bytes))) throw new StoreRefusedError('CID_MISMATCH', 'bad')
    const key = cid.toString()
    if (!p.blocks.has(key)) {
      if (this.used(p) + bytes.length > p.pledge) {
        throw new StoreRefusedError('PLEDGE_FULL', 'full')
      }
      p.blocks.set(key, bytes)
    }
    this.afterStore?.(p.id, cid)
    return {
      cid,
      size: bytes.length,
      holder: peerIdFromString(p.id).toMultihash().bytes,
      time: Date.now(),
      signature: new Uint8Array(64),
    }
  }

  #peer(id: string): FakePeer {
    const p = this.peers.get(id)
    if (p === undefined || !p.online) throw new Error(`peer ${id} unreachable`)
    return p
  }

  readonly network: ShardNetwork = {
    store: async (peer, cid, bytes): Promise<Receipt> => {
      await this.beforeStore?.(peer, cid)
      const p = this.#peer(peer)
      this.storedCids.push(cid.toString())
      const receipt = await this.#keep(p, cid, bytes)
      this.stores++
      return receipt
    },
    build: async (peer, plan): Promise<Receipt> => {
      await this.beforeBuild?.(peer, plan.cid)
      const p = this.#peer(peer)
      const shards: Array<Uint8Array | undefined> = Array.from({ length: plan.n })
      for (const s of plan.sources) {
        const from = this.#peer(peerIdFromMultihash(Digest.decode(s.holder)).toString())
        const bytes = from.blocks.get(s.cid.toString())
        if (bytes === undefined || !(await blockMatches(s.cid, bytes))) {
          throw new StoreRefusedError('SOURCE_FAILED', `shard ${s.index} unavailable`)
        }
        shards[s.index] = bytes
      }
      const [built] = rebuildShards({ k: plan.k, n: plan.n, shards, want: [plan.index] })
      const receipt = await this.#keep(p, plan.cid, built!)
      this.builds++
      return receipt
    },
    fetch: (peer, cid) => {
      const b = this.#peer(peer).blocks.get(cid.toString())
      return b === undefined ? Promise.reject(new Error('not found')) : Promise.resolve(b)
    },
    delete: (peer, cids) => {
      const p = this.#peer(peer)
      const gone = cids.filter((c) => p.blocks.delete(c.toString()))
      return Promise.resolve(gone)
    },
    whoHas: (peer, cids) => {
      const p = this.#peer(peer)
      return Promise.resolve(cids.map((c) => p.blocks.has(c.toString())))
    },
    freeSpace: (peer) => {
      const p = this.#peer(peer)
      return Promise.resolve(Math.max(0, p.pledge - this.used(p)))
    },
  }
}

/** A File-like source over fixed bytes, read in small chunks like a real file stream. */
export function bytesSource(
  bytes: Uint8Array,
  name = 'data.bin',
  type = 'application/octet-stream',
): { name: string; type: string; size: number; stream(): ReadableStream<Uint8Array> } {
  return {
    name,
    type,
    size: bytes.length,
    stream: () => {
      let offset = 0
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close()
          const end = Math.min(bytes.length, offset + 64 * 1024)
          controller.enqueue(bytes.slice(offset, end))
          offset = end
        },
      })
    },
  }
}

export function randomData(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
