import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import type { Candidate } from '../../src/core/placement/index.ts'
import type { Receipt } from '../../src/core/protocol/index.ts'
import { CorruptBlockError } from '../../src/net/fetch/index.ts'
import {
  findHolders,
  gatherCandidates,
  networkBlockSource,
  NoHolderError,
  storeStripe,
  StoreRefusedError,
  type ShardNetwork,
} from '../../src/net/store/index.ts'

async function stripe(n: number): Promise<Array<{ cid: CID; bytes: Uint8Array }>> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const bytes = new Uint8Array(100).fill(i + 1)
      return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
    }),
  )
}

function fakeReceipt(cid: CID, size: number): Receipt {
  return { cid, size, holder: new Uint8Array([0, 1, 2]), time: 1, signature: new Uint8Array([1]) }
}

/** Holders in memory; `refuse` maps a peer to the error it answers every store with. */
function fakeNetwork(refuse: Map<string, Error> = new Map()) {
  const held = new Map<string, Map<string, Uint8Array>>()
  const calls: Array<{ peer: string; cid: string }> = []
  const network: Pick<ShardNetwork, 'store' | 'fetch'> = {
    // eslint-disable-next-line @typescript-eslint/require-await
    async store(peer, cid, bytes) {
      calls.push({ peer, cid: cid.toString() })
      const err = refuse.get(peer)
      if (err !== undefined) throw err
      if (!held.has(peer)) held.set(peer, new Map())
      held.get(peer)!.set(cid.toString(), bytes)
      return fakeReceipt(cid, bytes.length)
    },
    // eslint-disable-next-line @typescript-eslint/require-await
    async fetch(peer, cid) {
      const b = held.get(peer)?.get(cid.toString())
      if (b === undefined) throw new Error('not found')
      return b
    },
  }
  return { network, held, calls }
}

const peers = (count: number): Candidate[] =>
  Array.from({ length: count }, (_, i) => ({ peerId: `p${i}`, free: 1e6 }))

describe('storeStripe', () => {
  it('stores every shard on a distinct peer and collects the receipts', async () => {
    const { network, held } = fakeNetwork()
    const shards = await stripe(8)
    const r = await storeStripe({ network, k: 4, shards, candidates: peers(10) })
    expect(r.receipts.every((x) => x !== undefined)).toBe(true)
    expect(r.placement.safe).toBe(true)
    expect(new Set(r.placement.assignments).size).toBe(8)
    let stored = 0
    for (const m of held.values()) stored += m.size
    expect(stored).toBe(8)
  })

  it('moves shards refused with PLEDGE_FULL or failing to other peers', async () => {
    const shards = await stripe(8)
    const first = await storeStripe({
      network: fakeNetwork().network,
      k: 4,
      shards,
      candidates: peers(10),
    })
    const fullPeer = first.placement.assignments[0]!
    const brokenPeer = first.placement.assignments[1]!
    const { network, held } = fakeNetwork(
      new Map<string, Error>([
        [fullPeer, new StoreRefusedError('PLEDGE_FULL', 'full')],
        [brokenPeer, new Error('connection reset')],
      ]),
    )
    const r = await storeStripe({ network, k: 4, shards, candidates: peers(10) })
    expect(r.receipts.every((x) => x !== undefined)).toBe(true)
    expect(r.placement.assignments).not.toContain(fullPeer)
    expect(r.placement.assignments).not.toContain(brokenPeer)
    expect(r.placement.safe).toBe(true)
    expect(r.failures.map((f) => f.peer).sort()).toEqual([fullPeer, brokenPeer].sort())
    expect(held.has(fullPeer)).toBe(false)
  })

  it('stores as well as possible and reports the stripe at risk with one peer', async () => {
    const { network } = fakeNetwork()
    const r = await storeStripe({ network, k: 4, shards: await stripe(8), candidates: peers(1) })
    // One peer takes at most n − k = 4 shards (docs/STORAGE.md): enough to read the file back.
    expect(r.receipts.filter((x) => x !== undefined)).toHaveLength(4)
    expect(r.placement.safe).toBe(false)
    expect(r.placement.missingPeers).toBe(1)
  })

  it('on resume stores only the shards without a receipt', async () => {
    const shards = await stripe(8)
    const first = await storeStripe({
      network: fakeNetwork().network,
      k: 4,
      shards,
      candidates: peers(10),
    })
    const stored = first.receipts.map((rc, i) => (i < 5 ? rc : undefined))
    const { network, calls } = fakeNetwork()
    const r = await storeStripe({
      network,
      k: 4,
      shards,
      candidates: peers(10),
      stored,
      storedOn: first.placement.assignments,
    })
    expect(calls.map((c) => c.cid).sort()).toEqual(
      shards
        .slice(5)
        .map((s) => s.cid.toString())
        .sort(),
    )
    expect(r.placement.assignments.slice(0, 5)).toEqual(first.placement.assignments.slice(0, 5))
    expect(r.placement.safe).toBe(true)
  })
})

describe('networkBlockSource', () => {
  it('skips and reports a holder serving bad bytes, then uses another holder', async () => {
    const [shard] = await stripe(1)
    const bad: string[] = []
    const source = networkBlockSource({
      network: {
        // eslint-disable-next-line @typescript-eslint/require-await
        async fetch(peer) {
          if (peer === 'liar') throw new CorruptBlockError('bad bytes')
          if (peer === 'offline') throw new Error('no connection')
          return shard!.bytes
        },
      },
      holders: () => ['liar', 'offline', 'honest'],
      onBadHolder: (peer) => bad.push(peer),
    })
    const signal = AbortSignal.timeout(5000)
    expect(await source.get(shard!.cid, { signal })).toEqual(shard!.bytes)
    await source.get(shard!.cid, { signal })
    expect(bad).toEqual(['liar'])
  })

  it('fails with NoHolderError when no holder delivers', async () => {
    const [shard] = await stripe(1)
    const source = networkBlockSource({
      network: {
        fetch: () => Promise.reject(new Error('offline')),
      },
      holders: () => ['a', 'b'],
    })
    await expect(source.get(shard!.cid, { signal: AbortSignal.timeout(5000) })).rejects.toThrow(
      NoHolderError,
    )
  })
})

describe('findHolders', () => {
  it('asks every peer and ignores the ones that fail', async () => {
    const shards = await stripe(3)
    const cids = shards.map((s) => s.cid)
    const holders = await findHolders(
      {
        whoHas: (peer) =>
          peer === 'down'
            ? Promise.reject(new Error('offline'))
            : Promise.resolve([true, peer === 'b', false]),
      },
      ['a', 'b', 'down'],
      cids,
    )
    expect(holders.get(cids[0]!.toString())).toEqual(['a', 'b'])
    expect(holders.get(cids[1]!.toString())).toEqual(['b'])
    expect(holders.get(cids[2]!.toString())).toEqual([])
  })
})

describe('gatherCandidates', () => {
  it('weights peers by the free space they report and drops full or silent ones', async () => {
    const candidates = await gatherCandidates(
      {
        freeSpace: (peer) =>
          peer === 'down'
            ? Promise.reject(new Error('offline'))
            : Promise.resolve(peer === 'full' ? 0 : 500),
      },
      ['a', 'full', 'down', 'b'],
    )
    expect(candidates).toEqual([
      { peerId: 'a', free: 500 },
      { peerId: 'b', free: 500 },
    ])
  })
})
