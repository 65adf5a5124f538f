import 'fake-indexeddb/auto'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { decodeFile } from '../../src/core/decode-file.ts'
import { openManifest, parseManifest } from '../../src/core/manifest.ts'
import { findHolders, networkBlockSource } from '../../src/net/store/index.ts'
import { openCofferDB } from '../../src/storage/db.ts'
import { getFile, listFiles, markInterruptedUploads } from '../../src/storage/files.ts'
import { readJournal } from '../../src/storage/journal.ts'
import { receiptsForFile } from '../../src/storage/receipts.ts'
import {
  FileTooLargeError,
  NoPeersError,
  ResumeMismatchError,
} from '../../src/engine/upload/errors.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { uploadFile, type UploadDeps } from '../../src/engine/upload/upload-file.ts'
import { bytesSource, FakeCoop, makePeerIds, randomData } from './upload-fakes.ts'

const SEG = 4096
let dbCount = 0

async function setup(peerCount: number, pledge = 1e9, options: { build?: boolean } = {}) {
  const [owner, ...ids] = await makePeerIds(peerCount + 1)
  const coop = new FakeCoop(options)
  for (const id of ids) coop.add(id, pledge)
  const db = await openCofferDB(`upload-test-${dbCount++}`)
  const manifests = memoryManifests()
  const deps: UploadDeps = {
    db,
    network: coop.network,
    owner: owner!,
    peers: () => coop.online(),
    manifests,
  }
  return { coop, db, deps, manifests, owner: owner!, ids }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of stream) parts.push(p)
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Downloads the file back through the fake network, finding holders by asking every peer. */
async function download(coop: FakeCoop, manifestCid: string, key: Uint8Array) {
  const cid = CID.parse(manifestCid)
  const holders = await findHolders(coop.network, coop.online(), [cid])
  const bytes = await coop.network.fetch(holders.get(manifestCid)![0]!, cid)
  const opened = await openManifest(bytes, key, { cid })
  const shardCids = opened.manifest.layout.stripes.flatMap((s) => s.shards)
  const shardHolders = await findHolders(coop.network, coop.online(), shardCids)
  const source = networkBlockSource({
    network: coop.network,
    holders: (c) => shardHolders.get(c.toString()) ?? [],
  })
  return readAll(decodeFile(opened, source))
}

describe('uploadFile', () => {
  it('stores every shard on peers by the placement rule, keeps receipts, and reads back', async () => {
    const { coop, db, deps, manifests } = await setup(5)
    const data = randomData(10 * SEG + 123)
    const progress: number[] = []
    const result = await uploadFile(deps, bytesSource(data, 'report.pdf', 'application/pdf'), {
      segmentSize: SEG,
      onProgress: (p) => progress.push(p.stored),
    })
    expect(result.safe).toBe(true)
    const record = await getFile(db, result.record.id)
    expect(record?.state).toBe('complete')
    expect(record?.name).toBe('report.pdf')
    const manifestCid = CID.parse(record!.manifestCid!)
    const manifest = parseManifest((await manifests.get(manifestCid))!)
    const receipts = await receiptsForFile(db, record!.id)
    const holders = new Map(receipts.map((r) => [r.shard, r.holder]))
    for (const stripe of manifest.layout.stripes) {
      const perPeer = new Map<string, number>()
      for (const cid of stripe.shards) {
        const holder = holders.get(cid.toString())
        expect(holder).toBeDefined()
        // The receipt's holder really has the block.
        expect(coop.peers.get(holder!)!.blocks.has(cid.toString())).toBe(true)
        perPeer.set(holder!, (perPeer.get(holder!) ?? 0) + 1)
      }
      // 5 peers, 8 shards: at most ⌈8/5⌉ = 2 on one peer (≤ n − k).
      expect(Math.max(...perPeer.values())).toBeLessThanOrEqual(2)
    }
    expect(receipts.some((r) => r.shard === record!.manifestCid)).toBe(true)
    expect(await readJournal(db, record!.id)).toEqual([])
    expect(progress.at(-1)).toBe(data.length)
    expect(await download(coop, record!.manifestCid!, record!.key)).toEqual(data)
  })

  it('with build, sends only the k data shards of each stripe; holders build the rest', async () => {
    const { coop, db, deps, manifests } = await setup(5, 1e9, { build: true })
    const data = randomData(10 * SEG + 123, 7)
    const result = await uploadFile(deps, bytesSource(data), { segmentSize: SEG, build: true })
    expect(result.safe).toBe(true)
    const record = (await getFile(db, result.record.id))!
    expect(record.state).toBe('complete')
    const manifest = parseManifest((await manifests.get(CID.parse(record.manifestCid!)))!)
    const holders = new Map((await receiptsForFile(db, record.id)).map((r) => [r.shard, r.holder]))
    const sent = new Set(coop.storedCids)
    for (const stripe of manifest.layout.stripes) {
      stripe.shards.forEach((cid, i) => {
        const key = cid.toString()
        expect(sent.has(key)).toBe(i < record.k)
        expect(coop.peers.get(holders.get(key)!)!.blocks.has(key)).toBe(true)
      })
    }
    expect(coop.builds).toBe(manifest.layout.stripes.length * (record.n - record.k))
    expect(await download(coop, record.manifestCid!, record.key)).toEqual(data)
  })

  it('stores a shard itself when its holder cannot build it, and completes', async () => {
    const { coop, db, deps } = await setup(4, 1e9, { build: true })
    let failed: string | undefined
    coop.beforeBuild = (_peer, cid) => {
      if (failed !== undefined) return
      failed = cid.toString()
      throw new Error('could not reach a source')
    }
    const data = randomData(4 * SEG, 8)
    const result = await uploadFile(deps, bytesSource(data), { segmentSize: SEG, build: true })
    expect(result.record.state).toBe('complete')
    expect(coop.storedCids).toContain(failed)
    const receipts = await receiptsForFile(db, result.record.id)
    expect(receipts.some((r) => r.shard === failed)).toBe(true)
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })

  it('with one peer stores everything there and reports the file at risk', async () => {
    const { coop, deps } = await setup(1)
    const data = randomData(3 * SEG, 2)
    const result = await uploadFile(deps, bytesSource(data), { segmentSize: SEG })
    expect(result.safe).toBe(false)
    expect(result.missingPeers).toBeGreaterThan(0)
    expect(result.record.state).toBe('complete')
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })

  it('asks again when the only peer fails its first free-space questions (a new connection)', async () => {
    const { coop, deps } = await setup(1)
    const answer = coop.network.freeSpace.bind(coop.network)
    let failures = 2
    coop.network.freeSpace = (peer, options) =>
      failures-- > 0 ? Promise.reject(new Error('stream reset')) : answer(peer, options)
    const data = randomData(2 * SEG, 3)
    const result = await uploadFile(deps, bytesSource(data), { segmentSize: SEG, placeRetryMs: 1 })
    expect(result.record.state).toBe('complete')
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })

  it('refuses to start without peers, or for a file too large, before storing anything', async () => {
    const { db, deps, coop } = await setup(0)
    await expect(uploadFile(deps, bytesSource(randomData(100)))).rejects.toBeInstanceOf(
      NoPeersError,
    )
    coop.add((await makePeerIds(1))[0]!)
    const huge = {
      name: 'huge.iso',
      type: '',
      size: 1e13,
      stream: () => {
        throw new Error('must not be read')
      },
    }
    await expect(uploadFile(deps, huge)).rejects.toBeInstanceOf(FileTooLargeError)
    expect(await listFiles(db)).toEqual([])
  })

  it('moves shards a full peer refuses to other peers', async () => {
    const { coop, db, deps, ids, manifests } = await setup(4)
    const small = coop.peers.get(ids[0]!)!
    small.pledge = SEG / 2 // room for about one shard
    const data = randomData(6 * SEG, 3)
    const result = await uploadFile(deps, bytesSource(data), { segmentSize: SEG })
    expect(result.record.state).toBe('complete')
    expect(result.safe).toBe(true)
    expect(coop.used(small)).toBeLessThanOrEqual(SEG / 2)
    // Every shard found a holder, none more than n − k of a stripe.
    const receipts = await receiptsForFile(db, result.record.id)
    const layout = parseManifest(
      (await manifests.get(CID.parse(result.record.manifestCid!)))!,
    ).layout
    for (const stripe of layout.stripes) {
      const holders = stripe.shards.map(
        (c) => receipts.find((r) => r.shard === c.toString())?.holder,
      )
      expect(holders.every((h) => h !== undefined)).toBe(true)
      for (const h of new Set(holders)) {
        expect(holders.filter((x) => x === h).length).toBeLessThanOrEqual(4)
      }
    }
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })

  it('tells a peer whose answer was lost to drop the shard that went elsewhere', async () => {
    const { coop, db, deps, ids } = await setup(4)
    const slow = ids[0]!
    let lost = 0
    // The peer writes the shard, but its answer never arrives (a timeout or a broken stream).
    coop.afterStore = (peer) => {
      if (peer === slow && lost < 2) {
        lost++
        throw new Error('stream reset before the receipt')
      }
    }
    const result = await uploadFile(deps, bytesSource(randomData(3 * SEG, 5)), { segmentSize: SEG })
    expect(lost).toBe(2)
    expect(result.record.state).toBe('complete')
    // Every block any peer keeps is covered by one of my receipts for that peer.
    const receipts = new Set(
      (await receiptsForFile(db, result.record.id)).map((r) => `${r.holder} ${r.shard}`),
    )
    for (const peer of coop.peers.values()) {
      for (const cid of peer.blocks.keys()) expect(receipts.has(`${peer.id} ${cid}`)).toBe(true)
    }
  })

  it('an interrupted upload is never complete; Resume with the same file skips stored stripes', async () => {
    const { coop, db, deps } = await setup(4)
    const data = randomData(12 * SEG, 4)
    const controller = new AbortController()
    coop.beforeStore = () => {
      if (coop.stores >= 40) controller.abort()
    }
    await expect(
      uploadFile(deps, bytesSource(data, 'movie.mp4'), {
        segmentSize: SEG,
        signal: controller.signal,
      }),
    ).rejects.toThrow()
    coop.beforeStore = undefined
    // What start-up does after the tab was closed:
    const [interrupted] = await markInterruptedUploads(db)
    expect(interrupted?.state).toBe('interrupted')
    expect(interrupted?.manifestCid).toBeUndefined()
    const journaled = await readJournal(db, interrupted!.id)
    expect(journaled.length).toBeGreaterThan(0)

    // Another file with the same name and size is refused.
    await expect(
      uploadFile(deps, bytesSource(randomData(12 * SEG, 5), 'movie.mp4'), {
        resume: interrupted,
      }),
    ).rejects.toBeInstanceOf(ResumeMismatchError)
    await expect(
      uploadFile(deps, bytesSource(data, 'other.mp4'), { resume: interrupted }),
    ).rejects.toBeInstanceOf(ResumeMismatchError)

    const before = coop.stores
    const result = await uploadFile(deps, bytesSource(data, 'movie.mp4'), {
      resume: (await getFile(db, interrupted!.id))!,
    })
    expect(result.record.state).toBe('complete')
    expect(result.record.id).toBe(interrupted!.id)
    // 12 stripes × 8 shards + manifest copies; the journaled stripes were not sent again.
    const sent = coop.stores - before
    expect(sent).toBeLessThanOrEqual(12 * 8 - journaled.length * 8 + 8)
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })

  it('tries a stripe again when its stores fail for a while, and stops after the last try', async () => {
    const { coop, deps } = await setup(4)
    const data = randomData(3 * SEG, 6)
    let calls = 0
    coop.beforeStore = () => {
      if (++calls <= 30) throw new Error('stream reset')
    }
    const result = await uploadFile(deps, bytesSource(data, 'a.bin'), {
      segmentSize: SEG,
      placeRetryMs: 5,
    })
    expect(result.record.state).toBe('complete')
    expect(result.safe).toBe(true)
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)

    coop.beforeStore = () => {
      throw new Error('stream reset')
    }
    await expect(
      uploadFile(deps, bytesSource(data, 'b.bin'), {
        segmentSize: SEG,
        placeAttempts: 2,
        placeRetryMs: 5,
      }),
    ).rejects.toThrow(/Only 0 of the 4 encrypted parts/)
  })

  it('on Resume, a shard a holder kept without a receipt here is adopted, not copied elsewhere', async () => {
    const { coop, db, deps } = await setup(4)
    const data = randomData(6 * SEG, 7)
    const controller = new AbortController()
    // The tab "closes" while the third stripe is stored: that stripe's receipts are lost,
    // though the holders keep the shards they were sent.
    let stripeStores = 0
    coop.beforeStore = () => {
      if (++stripeStores === 20) controller.abort()
    }
    await expect(
      uploadFile(deps, bytesSource(data, 'a.bin'), {
        segmentSize: SEG,
        signal: controller.signal,
        storeConcurrency: 1,
      }),
    ).rejects.toThrow()
    coop.beforeStore = undefined
    const [interrupted] = await markInterruptedUploads(db)
    const orphans = [...coop.peers.values()].reduce((sum, p) => sum + p.blocks.size, 0)
    const receipted = (await receiptsForFile(db, interrupted!.id)).length
    expect(orphans).toBeGreaterThan(receipted)

    // Only two peers are online on return, two that kept stray shards: without adoption the
    // placement (up to n − k = 4 each) puts copies beside the strays, which nobody frees.
    const ranked = [...coop.peers.values()].sort((a, b) => b.blocks.size - a.blocks.size)
    for (const p of ranked.slice(2)) p.online = false
    const result = await uploadFile(deps, bytesSource(data, 'a.bin'), {
      resume: (await getFile(db, interrupted!.id))!,
    })
    expect(result.record.state).toBe('complete')
    const receipts = await receiptsForFile(db, interrupted!.id)
    const byPeer = new Map<string, Set<string>>()
    for (const r of receipts) byPeer.set(r.holder, (byPeer.get(r.holder) ?? new Set()).add(r.shard))
    const layout = parseManifest(
      (await deps.manifests.get(CID.parse(result.record.manifestCid!)))!,
    ).layout
    for (const [id, peer] of coop.peers) {
      if (!peer.online) continue
      // Every block a peer keeps has a receipt here, so a delete can free it …
      for (const cid of peer.blocks.keys()) expect(byPeer.get(id)?.has(cid), cid).toBe(true)
      // … and no peer keeps more than n − k shards of a stripe.
      for (const stripe of layout.stripes) {
        const mine = stripe.shards.filter((c) => peer.blocks.has(c.toString())).length
        expect(mine).toBeLessThanOrEqual(layout.n - layout.k)
      }
    }
    expect(await download(coop, result.record.manifestCid!, result.record.key)).toEqual(data)
  })
})
