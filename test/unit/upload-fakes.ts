/**
 * In-memory co-op for the upload and repair unit tests: peers with real peer ids (receipts
 * name their holder by multihash), pledges, and the five shard operations.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { blockMatches } from '../../src/core/block.ts'
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

  #peer(id: string): FakePeer {
    const p = this.peers.get(id)
    if (p === undefined || !p.online) throw new Error(`peer ${id} unreachable`)
    return p
  }

  readonly network: ShardNetwork = {
    store: async (peer, cid, bytes): Promise<Receipt> => {
      await this.beforeStore?.(peer, cid)
      const p = this.#peer(peer)
      if (!(await blockMatches(cid, bytes))) throw new StoreRefusedError('CID_MISMATCH', 'bad')
      const key = cid.toString()
      if (!p.blocks.has(key)) {
        if (this.used(p) + bytes.length > p.pledge) {
          throw new StoreRefusedError('PLEDGE_FULL', 'full')
        }
        p.blocks.set(key, bytes)
      }
      this.afterStore?.(peer, cid)
      this.stores++
      return {
        cid,
        size: bytes.length,
        holder: peerIdFromString(peer).toMultihash().bytes,
        time: Date.now(),
        signature: new Uint8Array(64),
      }
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
