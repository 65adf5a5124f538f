import 'fake-indexeddb/auto'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { computeHealth } from '../../src/core/placement/index.ts'
import { localStripeCodec } from '../../src/core/stripe.ts'
import { parseManifest } from '../../src/core/manifest.ts'
import { openCofferDB } from '../../src/storage/db.ts'
import { holdersByShard, receiptsForFile } from '../../src/storage/receipts.ts'
import { planStripeRepair, repairFile, type RepairDeps } from '../../src/engine/repair/repair.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { uploadFile } from '../../src/engine/upload/upload-file.ts'
import { bytesSource, FakeCoop, makePeerIds, randomData } from './upload-fakes.ts'

const SEG = 4096
let dbCount = 0

/** Uploads `data` as `owner` to whoever in `coop` is online, with repair's dependencies. */
async function uploadTo(coop: FakeCoop, owner: string, data: Uint8Array) {
  const db = await openCofferDB(`repair-test-${dbCount++}`)
  const manifests = memoryManifests()
  const deps: RepairDeps = {
    db,
    network: coop.network,
    owner,
    codec: localStripeCodec,
    peers: () => coop.online(),
  }
  const result = await uploadFile(
    { ...deps, codec: localStripeCodec, network: coop.network, manifests },
    bytesSource(data),
    { segmentSize: SEG },
  )
  const cid = CID.parse(result.record.manifestCid!)
  const bytes = (await manifests.get(cid))!
  const target = {
    fileId: result.record.id,
    manifestCid: cid,
    manifestBytes: bytes,
    layout: parseManifest(bytes).layout,
  }
  return { db, deps, target, safe: result.safe }
}

async function uploadedAtRisk(data: Uint8Array, options: { build?: boolean } = {}) {
  const [owner, first, ...later] = await makePeerIds(5)
  const coop = new FakeCoop(options)
  coop.add(first!)
  const { db, deps, target, safe } = await uploadTo(coop, owner!, data)
  expect(safe).toBe(false)
  return { coop, db, deps, target, first: first!, later }
}

/**
 * The most shards any one peer holds of each stripe, checking on the way that every shard has
 * exactly one receipt and that its holder really has it.
 */
async function mostPerPeer(
  coop: FakeCoop,
  db: RepairDeps['db'],
  target: Awaited<ReturnType<typeof uploadTo>>['target'],
): Promise<number[]> {
  const receipts = await receiptsForFile(db, target.fileId)
  return target.layout.stripes.map((stripe) => {
    const perPeer = new Map<string, number>()
    for (const c of stripe.shards) {
      const holders = receipts.filter((r) => r.shard === c.toString()).map((r) => r.holder)
      expect(holders).toHaveLength(1)
      expect(coop.peers.get(holders[0]!)!.blocks.has(c.toString())).toBe(true)
      perPeer.set(holders[0]!, (perPeer.get(holders[0]!) ?? 0) + 1)
    }
    return Math.max(...perPeer.values())
  })
}

async function health(
  deps: RepairDeps,
  target: Awaited<ReturnType<typeof uploadedAtRisk>>['target'],
  online: string[],
) {
  const receipts = await receiptsForFile(deps.db, target.fileId)
  return computeHealth({
    k: target.layout.k,
    n: target.layout.n,
    stripes: target.layout.stripes.map((s) => s.shards.map((c) => c.toString())),
    holders: holdersByShard(receipts),
    online: new Set(online),
  })
}

describe('repairFile', () => {
  it('spreads an at-risk file over peers that joined, and frees the overloaded holder', async () => {
    const data = randomData(5 * SEG, 7)
    const { coop, deps, target, first, later } = await uploadedAtRisk(data)
    expect((await health(deps, target, coop.online())).state).toBe('at-risk')
    const before = coop.used(coop.peers.get(first)!)
    for (const id of later) coop.add(id)

    const report = await repairFile(deps, target)
    expect(report.stripesRepaired).toBe(5)
    const h = await health(deps, target, coop.online())
    expect(h.state).toBe('safe')
    expect(h.peers).toBe(4)
    // Every stripe: at most ⌈8/4⌉ = 2 shards per peer, and the holders really have them.
    expect(Math.max(...(await mostPerPeer(coop, deps.db, target)))).toBeLessThanOrEqual(2)
    expect(coop.used(coop.peers.get(first)!)).toBeLessThan(before)
    expect(report.manifestCopiesAdded).toBe(3)

    // A second pass finds nothing to do.
    const again = await repairFile(deps, target)
    expect(again.shardsStored).toBe(0)
  })

  it('recomputes a shard nobody holds from k others, with the same CID, without the key', async () => {
    const data = randomData(2 * SEG, 8)
    const { coop, deps, target, later } = await uploadedAtRisk(data)
    for (const id of later) coop.add(id)
    // One peer alone keeps only n − k shards of a stripe; the first repair places the rest.
    await repairFile(deps, target)
    expect((await health(deps, target, coop.online())).state).toBe('safe')
    // Shard 5 of stripe 0 is lost: its holder dropped it and the receipt is gone.
    const lost = target.layout.stripes[0]!.shards[5]!
    const [had] = (await receiptsForFile(deps.db, target.fileId)).filter(
      (r) => r.shard === lost.toString(),
    )
    coop.peers.get(had!.holder)!.blocks.delete(lost.toString())
    await deps.db.delete('receipts', [lost.toString(), had!.holder])

    // The erasure code runs in the injected codec (the page's workers), not in repairFile.
    const asked: number[][] = []
    deps.codec = {
      ...localStripeCodec,
      rebuildShards: (input, options) => {
        asked.push([...input.want])
        return localStripeCodec.rebuildShards(input, options)
      },
    }
    const report = await repairFile(deps, target)
    expect(asked).toEqual([[5]])
    expect(report.shardsRebuilt).toBe(1)
    const holders = (await receiptsForFile(deps.db, target.fileId)).filter(
      (r) => r.shard === lost.toString(),
    )
    expect(holders).toHaveLength(1)
    expect(coop.peers.get(holders[0]!.holder)!.blocks.has(lost.toString())).toBe(true)
    expect((await health(deps, target, coop.online())).state).toBe('safe')
  })

  it('has the new holder build a lost shard, which never passes through the owner', async () => {
    const [owner, ...ids] = await makePeerIds(6)
    const coop = new FakeCoop({ build: true })
    for (const id of ids) coop.add(id)
    const data = randomData(3 * SEG, 13)
    const { deps, target } = await uploadTo(coop, owner!, data)
    // A member leaves for good with every shard it kept (its receipts are dropped).
    const gone = coop.peers.get(ids[0]!)!
    const lost = [...gone.blocks.keys()].filter((c) => c !== target.manifestCid.toString())
    expect(lost.length).toBeGreaterThan(0)
    gone.online = false
    for (const c of gone.blocks.keys()) await deps.db.delete('receipts', [c, gone.id])
    const fetched: string[] = []
    const network = coop.network
    deps.network = {
      ...network,
      fetch: (peer, cid, o) => {
        fetched.push(cid.toString())
        return network.fetch(peer, cid, o)
      },
    }
    const storedBefore = coop.storedCids.length

    const report = await repairFile(deps, target)
    expect(report.shardsRebuilt).toBe(lost.length)
    expect(coop.builds).toBe(lost.length)
    // The owner neither fetched a shard nor sent one: the new holders did the work.
    expect(fetched).toEqual([])
    expect(coop.storedCids.slice(storedBefore).filter((c) => lost.includes(c))).toEqual([])
    expect((await health(deps, target, coop.online())).state).toBe('safe')
    for (const c of lost) {
      const receipts = (await receiptsForFile(deps.db, target.fileId)).filter((r) => r.shard === c)
      const holders = receipts.map((r) => r.holder)
      expect(holders).toHaveLength(1)
      expect(coop.peers.get(holders[0]!)!.blocks.has(c)).toBe(true)
    }
  })

  it('stores no recomputed shard whose bytes do not match its CID', async () => {
    const data = randomData(2 * SEG, 10)
    const { coop, deps, target, later } = await uploadedAtRisk(data)
    for (const id of later) coop.add(id)
    await repairFile(deps, target)
    const lost = target.layout.stripes[0]!.shards[6]!
    const [had] = (await receiptsForFile(deps.db, target.fileId)).filter(
      (r) => r.shard === lost.toString(),
    )
    coop.peers.get(had!.holder)!.blocks.delete(lost.toString())
    await deps.db.delete('receipts', [lost.toString(), had!.holder])
    deps.codec = {
      ...localStripeCodec,
      rebuildShards: async (input, options) =>
        (await localStripeCodec.rebuildShards(input, options)).map((s) => s.map((b) => b ^ 1)),
    }
    const report = await repairFile(deps, target)
    expect(report.shardsRebuilt).toBe(0)
    const receipts = await receiptsForFile(deps.db, target.fileId)
    expect(receipts.some((r) => r.shard === lost.toString())).toBe(false)
    for (const peer of coop.peers.values()) expect(peer.blocks.has(lost.toString())).toBe(false)
  })

  it('does nothing while no new peer can take shards', async () => {
    const data = randomData(SEG, 9)
    const { coop, deps, target } = await uploadedAtRisk(data)
    const stores = coop.stores
    const report = await repairFile(deps, target)
    expect(report.shardsStored).toBe(0)
    expect(coop.stores).toBe(stores)
  })

  it('spreads a safe file whose stripe went three-on-one peer when a store failed for a moment', async () => {
    const [owner, ...ids] = await makePeerIds(5)
    const coop = new FakeCoop()
    for (const id of ids) coop.add(id)
    const busy = ids[0]!
    let failures = 2
    coop.beforeStore = (peer) => {
      if (peer === busy && failures > 0) {
        failures--
        throw new Error('busy for a moment')
      }
    }
    const { db, deps, target, safe } = await uploadTo(coop, owner!, randomData(3 * SEG, 12))
    expect(failures).toBe(0)
    expect(safe).toBe(true)
    const { layout } = target
    const before = await health(deps, target, coop.online())
    expect(before.state).toBe('safe')
    expect(before.crowded).toBe(true)
    expect(Math.max(...(await mostPerPeer(coop, db, target)))).toBeGreaterThan(2)

    const report = await repairFile(deps, target)
    expect(report.shardsStored).toBeGreaterThan(0)
    expect(report.shardsRebuilt).toBe(0)
    // Every stripe within ⌈8/4⌉ = 2 per peer, each shard on one holder that really has it.
    expect(Math.max(...(await mostPerPeer(coop, db, target)))).toBe(2)
    const after = await health(deps, target, coop.online())
    expect(after.state).toBe('safe')
    expect(after.crowded).toBe(false)
    let held = 0
    for (const peer of coop.peers.values()) held += peer.blocks.size
    // n shards per stripe plus the manifest copies: nothing left behind on the old holder.
    expect(held).toBe(layout.stripes.length * layout.n + 4)
  })
})

describe('repairFile, answers lost', () => {
  /** Every block any peer keeps is covered by one of the owner's receipts. */
  async function covered(coop: FakeCoop, db: RepairDeps['db'], fileId: string): Promise<void> {
    const receipts = new Set(
      (await receiptsForFile(db, fileId)).map((r) => `${r.holder} ${r.shard}`),
    )
    for (const peer of coop.peers.values()) {
      for (const cid of peer.blocks.keys()) expect(receipts.has(`${peer.id} ${cid}`)).toBe(true)
    }
  }

  it('tells a new holder whose answer was lost to drop the shard, and finishes on the next pass', async () => {
    const data = randomData(2 * SEG, 14)
    const { coop, db, deps, target, later } = await uploadedAtRisk(data)
    for (const id of later) coop.add(id)
    let lost = 0
    coop.afterStore = () => {
      if (lost++ === 0) throw new Error('stream reset before the receipt')
    }
    await repairFile(deps, target)
    expect(lost).toBeGreaterThan(1)
    await covered(coop, db, target.fileId)
    await repairFile(deps, target)
    await covered(coop, db, target.fileId)
    expect(Math.max(...(await mostPerPeer(coop, db, target)))).toBeLessThanOrEqual(2)
  })

  it('stopped in the middle of a stripe, keeps the receipts of the stores that went through', async () => {
    const data = randomData(2 * SEG, 16)
    const { coop, db, deps, target, later } = await uploadedAtRisk(data)
    for (const id of later) coop.add(id)
    const controller = new AbortController()
    let calls = 0
    coop.beforeStore = async () => {
      // The first store is cut off by the stop, as a real one is; the others land a moment later.
      if (calls++ === 0) {
        controller.abort(new Error('stopped'))
        throw new Error('the stream was aborted')
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    await expect(repairFile(deps, target, { signal: controller.signal })).rejects.toThrow('stopped')
    await new Promise((r) => setTimeout(r, 60))
    expect(calls).toBeGreaterThan(1)
    expect(coop.stores).toBeGreaterThan(0)
    // Every shard a holder kept has a receipt, so a delete or the next pass can free it.
    await covered(coop, db, target.fileId)
  })

  it('tells a holder whose build answer was lost to drop the shard when nothing else lands', async () => {
    const data = randomData(2 * SEG, 15)
    const { coop, db, deps, target, later } = await uploadedAtRisk(data, { build: true })
    for (const id of later) coop.add(id)
    let lost = 0
    coop.afterStore = () => {
      // The first block kept is a build (lost shards are built before anything moves).
      if (lost++ === 0) throw new Error('stream reset before the receipt')
    }
    // Nor can the owner fetch shards, so no store follows the failed build.
    const network = coop.network
    deps.network = { ...network, fetch: () => Promise.reject(new Error('unreachable')) }
    await repairFile(deps, target)
    expect(coop.builds).toBeGreaterThan(0)
    await covered(coop, db, target.fileId)
    deps.network = network
    await repairFile(deps, target)
    await covered(coop, db, target.fileId)
    expect(Math.max(...(await mostPerPeer(coop, db, target)))).toBeLessThanOrEqual(2)
  })
})

describe('planStripeRepair', () => {
  const keys = Array.from({ length: 8 }, (_, i) => new Uint8Array([i]))
  it('keeps each holder’s fair share in place and moves only the excess', () => {
    const holders = keys.map(() => ['A'])
    const plan = planStripeRepair({
      k: 4,
      shardKeys: keys,
      holders,
      candidates: ['A', 'B', 'C', 'D'].map((peerId) => ({ peerId, free: 1e6 })),
      shardSize: 10,
    })
    expect(plan.moves.size).toBe(6)
    expect([...plan.moves.values()].includes('A')).toBe(false)
  })

  it('places shards that have no holder', () => {
    const holders = keys.map((_, i) => (i === 3 ? [] : [`P${i}`]))
    const plan = planStripeRepair({
      k: 4,
      shardKeys: keys,
      holders,
      candidates: [...keys.map((_, i) => `P${i}`), 'Q'].map((peerId) => ({ peerId, free: 1e6 })),
      shardSize: 10,
    })
    expect([...plan.moves.keys()]).toEqual([3])
  })
})
