import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { openCofferDB } from '../../src/storage/db.ts'
import { saveFile } from '../../src/storage/files.ts'
import { FilesState, type FilesDeps } from '../../src/state/files.svelte.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { parsePledgeInput } from '../../src/state/pledge-state.svelte.ts'
import { bytesSource, FakeCoop, makePeerIds, randomData } from './upload-fakes.ts'

let dbCount = 0

async function setup(peerCount: number, retryMs?: number) {
  const [owner, ...ids] = await makePeerIds(peerCount + 1)
  const coop = new FakeCoop()
  for (const id of ids) coop.add(id)
  const db = await openCofferDB(`files-state-${dbCount++}`)
  let listener: (() => void) | undefined
  const deps: FilesDeps = {
    db,
    network: coop.network,
    owner: owner!,
    manifests: memoryManifests(),
    peers: () => coop.online(),
    onPeersChange: (cb) => {
      listener = cb
      return () => (listener = undefined)
    },
  }
  const files = new FilesState({ debounceMs: 10, ...(retryMs !== undefined ? { retryMs } : {}) })
  await files.attach(deps)
  return { coop, db, deps, files, ids, changed: () => listener?.() }
}

function held(coop: FakeCoop): number {
  let n = 0
  for (const p of coop.peers.values()) n += p.blocks.size
  return n
}

describe('FilesState', () => {
  it('uploads, shows health, renames, and deletes from the holders', async () => {
    const { coop, files } = await setup(4)
    const [task] = files.upload([bytesSource(randomData(3 * 1024 * 1024), 'photo.jpg')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    expect(task?.phase).toBe('done')
    const row = files.rows[0]!
    expect(row.name).toBe('photo.jpg')
    expect(row.tone).toBe('safe')
    expect(row.healthText).toBe('24/24 shards on 4 peers')
    expect(held(coop)).toBeGreaterThan(24)

    await files.rename(row.id, '  holiday.jpg ')
    expect(files.rows[0]?.name).toBe('holiday.jpg')

    await files.remove(row.id)
    expect(files.rows).toEqual([])
    expect(held(coop)).toBe(0)
  })

  it('shows at-risk and how many holders are missing, and repairs when peers join', async () => {
    {
      const { coop, files, changed } = await setup(1)
      files.upload([bytesSource(randomData(1024 * 1024 + 5), 'notes.txt')])
      await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
      expect(files.rows[0]?.tone).toBe('at-risk')
      const [only] = coop.online()
      coop.peers.get(only!)!.online = false
      changed()
      await vi.waitFor(() => expect(files.rows[0]?.tone).toBe('unavailable'))
      expect(files.rows[0]?.healthText).toMatch(/^at risk: 0 of 4 needed are online/)

      coop.peers.get(only!)!.online = true
      for (const id of await makePeerIds(3)) coop.add(id)
      changed()
      await vi.waitFor(() => expect(files.rows[0]?.tone).toBe('safe'), { timeout: 20_000 })
      expect(files.rows[0]?.healthText).toBe('16/16 shards on 4 peers')
    }
  })

  it('spreads a file again as members keep joining, not only when it first turns safe', async () => {
    const { coop, files, changed } = await setup(1)
    files.upload([bytesSource(randomData(1024 * 1024, 21), 'early.bin')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    expect(files.rows[0]?.healthText).toMatch(/^at risk: 4\/8 shards on 1 peer/)
    coop.add((await makePeerIds(1))[0]!)
    changed()
    await vi.waitFor(() => expect(files.rows[0]?.healthText).toBe('8/8 shards on 2 peers'), {
      timeout: 20_000,
    })
    // Four on each of two peers is safe, but with four online it is crowded: spread it.
    for (const id of await makePeerIds(2)) coop.add(id)
    changed()
    await vi.waitFor(() => expect(files.rows[0]?.healthText).toBe('8/8 shards on 4 peers'), {
      timeout: 20_000,
    })
    expect(files.rows[0]?.health?.crowded).toBe(false)
  })

  it('tries a failed repair again by itself, with no further peer change', async () => {
    const { coop, files, changed } = await setup(1, 50)
    files.upload([bytesSource(randomData(1024 * 1024, 22), 'later.bin')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    expect(files.rows[0]?.tone).toBe('at-risk')
    // The peers that join refuse every store at first, as a just-opened connection may.
    let refused = 0
    coop.beforeStore = () => {
      refused++
      throw new Error('stream reset')
    }
    for (const id of await makePeerIds(3)) coop.add(id)
    changed()
    await vi.waitFor(() => expect(refused).toBeGreaterThan(0), { timeout: 10_000 })
    coop.beforeStore = undefined
    await vi.waitFor(() => expect(files.rows[0]?.healthText).toBe('8/8 shards on 4 peers'), {
      timeout: 20_000,
    })
    files.detach()
  })

  it('spreads again by itself when a joined peer did not answer the first pass', async () => {
    const { coop, files, changed } = await setup(1, 50)
    files.upload([bytesSource(randomData(1024 * 1024, 23), 'late.bin')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    const [quiet, ...others] = await makePeerIds(3)
    for (const id of [quiet!, ...others]) coop.add(id)
    // One newcomer's connection is too new to answer: the first pass spreads over the rest.
    const answer = coop.network.freeSpace.bind(coop.network)
    let unanswered = 0
    coop.network.freeSpace = (peer, options) => {
      if (peer !== quiet) return answer(peer, options)
      unanswered++
      return Promise.reject(new Error('stream reset'))
    }
    changed()
    await vi.waitFor(() => expect(files.rows[0]?.healthText).toBe('8/8 shards on 3 peers'), {
      timeout: 20_000,
    })
    expect(unanswered).toBeGreaterThan(0)
    coop.network.freeSpace = answer
    await vi.waitFor(() => expect(files.rows[0]?.healthText).toBe('8/8 shards on 4 peers'), {
      timeout: 20_000,
    })
    files.detach()
  })

  it('after an upload, spreads a stripe that a momentary store failure left crowded', async () => {
    const { coop, files, ids } = await setup(4)
    let failures = 2
    coop.beforeStore = (peer) => {
      if (peer === ids[0] && failures > 0) {
        failures--
        throw new Error('busy for a moment')
      }
    }
    const before = coop.stores
    files.upload([bytesSource(randomData(1024 * 1024, 13), 'scan.pdf')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    expect(failures).toBe(0)
    await vi.waitFor(() => expect(files.rows[0]?.health?.crowded).toBe(false), { timeout: 10_000 })
    expect(files.rows[0]?.tone).toBe('safe')
    // The move stored shards beyond the upload's own 8 per stripe and manifest copies.
    expect(coop.stores - before).toBeGreaterThan(8 + 4)
    // 8 shards of the one stripe, two on each peer, and the manifest on each.
    for (const peer of coop.peers.values()) expect(peer.blocks.size).toBe(3)
  })

  it('a delete owed to an offline holder is sent when it comes back', async () => {
    const { coop, files, changed } = await setup(4)
    files.upload([bytesSource(randomData(2 * 1024 * 1024, 11), 'old.txt')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    const away = [...coop.peers.values()].find((p) => p.blocks.size > 0)!
    away.online = false
    changed()
    await new Promise((r) => setTimeout(r, 50))
    await files.remove(files.rows[0]!.id)
    expect(files.rows).toEqual([])
    expect(files.notice).toMatch(/offline and will be freed when they come back/)
    expect(away.blocks.size).toBeGreaterThan(0)
    away.online = true
    changed()
    await vi.waitFor(() => expect(away.blocks.size).toBe(0), { timeout: 10_000 })
    expect(held(coop)).toBe(0)
  })

  it('a file deleted while a repair is storing its shards leaves nothing on any holder', async () => {
    // The default retry (5 s) is not due before the end: only the delete can clean up.
    const { coop, db, files, changed } = await setup(1)
    files.upload([bytesSource(randomData(1024 * 1024, 24), 'gone.bin')])
    await vi.waitFor(() => expect(files.rows[0]?.state).toBe('complete'), { timeout: 20_000 })
    // The repair's first store hangs until the delete has run, then succeeds.
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let hung = false
    coop.beforeStore = async () => {
      if (hung) return
      hung = true
      await gate
    }
    for (const id of await makePeerIds(3)) coop.add(id)
    changed()
    await vi.waitFor(() => expect(hung).toBe(true), { timeout: 10_000 })
    await files.remove(files.rows[0]!.id)
    release()
    await vi.waitFor(
      async () => {
        expect(held(coop)).toBe(0)
        expect(await db.count('receipts')).toBe(0)
      },
      { timeout: 3_000 },
    )
    expect(files.rows).toEqual([])
    files.detach()
  })

  it('lists an upload cut off by a closed tab as interrupted, and Discard frees its shards', async () => {
    const { db, deps, coop } = await setup(2)
    const files0 = new FilesState()
    // A record left 'uploading' with one stored shard, as a closed tab leaves it.
    const id = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'
    await saveFile(db, {
      id,
      owner: deps.owner,
      key: new Uint8Array(32),
      name: 'big.mov',
      size: 5,
      type: '',
      createdAt: 1,
      state: 'uploading',
      k: 4,
      n: 8,
      segmentSize: 1024 * 1024,
    })
    const block = randomData(10)
    const { rawBlock } = await import('../../src/core/block.ts')
    const b = await rawBlock(block)
    const [peer] = coop.online()
    const receipt = await coop.network.store(peer!, b.cid, b.bytes)
    const { receiptRecord } = await import('../../src/net/store/index.ts')
    const { saveReceipts } = await import('../../src/storage/receipts.ts')
    await saveReceipts(db, [receiptRecord(id, receipt)])

    await files0.attach(deps)
    expect(files0.rows[0]?.state).toBe('interrupted')
    expect(files0.resume(id, bytesSource(randomData(6), 'big.mov'))).toBeUndefined()
    expect(files0.notice).toMatch(/pick the same file/)
    // A Resume that fails says why on the row, instead of the generic interrupted text.
    for (const p of coop.peers.values()) p.online = false
    files0.resume(id, bytesSource(randomData(5), 'big.mov'))
    await vi.waitFor(() => expect(files0.rows[0]?.healthText).toMatch(/No other member/))
    expect(files0.rows[0]?.state).toBe('interrupted')
    for (const p of coop.peers.values()) p.online = true
    await files0.remove(id)
    expect(files0.rows).toEqual([])
    expect(held(coop)).toBe(0)
  })

  it('refuses a file too large with a plain message, before starting', async () => {
    const { files } = await setup(1)
    const tasks = files.upload([
      { name: 'huge.iso', type: '', size: 1e13, stream: () => new ReadableStream() },
    ])
    expect(tasks).toEqual([])
    expect(files.notice).toMatch(/^huge\.iso: This file is too large/)
  })
})

describe('parsePledgeInput', () => {
  it('accepts megabytes and refuses nonsense or more than the quota', () => {
    expect(parsePledgeInput('500', undefined)).toEqual({ bytes: 500_000_000 })
    expect(parsePledgeInput(' 1,5 ', undefined)).toEqual({ bytes: 1_500_000 })
    expect(parsePledgeInput('-3', undefined)).toHaveProperty('error')
    expect(parsePledgeInput('lots', undefined)).toHaveProperty('error')
    expect(parsePledgeInput('2000', 1e9)).toHaveProperty('error')
  })
})
