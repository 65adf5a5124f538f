import { describe, expect, it } from 'vitest'
import type { CID } from 'multiformats/cid'
import { blockMatches, InvalidParametersError, WrongKeyError } from '../../src/core/index.ts'
import { BlockNotFoundError } from '../../src/net/fetch/errors.ts'
import { CorruptBlockError } from '../../src/net/exchange/errors.ts'
import {
  openDownload,
  type DownloadNetwork,
  type DownloadWait,
} from '../../src/engine/download/download-engine.ts'
import { DownloadCancelledError } from '../../src/engine/download/errors.ts'
import { createWorkerPool } from '../../src/workers/index.ts'
import { FakeWorker } from './fake-worker.ts'
import { collect, encodeAll, pseudoRandom, sha256hex, type Encoded } from './core-helpers.ts'

/** Peers holding blocks in memory; some online, some reachable only after `connect`. */
class FakeNetwork implements DownloadNetwork {
  readonly stores = new Map<string, Map<string, Uint8Array>>()
  readonly online = new Set<string>()
  /** Peers that come online when dialled (share-link hints, receipt holders). */
  readonly dialable = new Set<string>()
  readonly fetches: Array<{ peer: string; cid: string }> = []
  /** What fetch handed out: fresh copies, as a real network's are. */
  readonly served: Uint8Array[] = []
  readonly listeners = new Set<() => void>()
  /** Peers whose first dial fails (a WebRTC set-up that did not complete), later ones work. */
  readonly failFirstDial = new Set<string>()
  /** How long a fetch takes. */
  fetchMs = 2
  inFlight = 0
  maxInFlight = 0
  maxPerPeer = new Map<string, number>()
  #perPeer = new Map<string, number>()

  hold(peer: string, cid: CID, bytes: Uint8Array): void {
    let m = this.stores.get(peer)
    if (!m) this.stores.set(peer, (m = new Map<string, Uint8Array>()))
    m.set(cid.toString(), bytes)
  }
  setOnline(peer: string, on: boolean): void {
    if (on) this.online.add(peer)
    else this.online.delete(peer)
    for (const l of [...this.listeners]) l()
  }
  directPeers(): string[] {
    return [...this.online]
  }
  async fetch(peer: string, cid: CID): Promise<Uint8Array> {
    if (!this.online.has(peer)) throw new Error('not connected')
    this.fetches.push({ peer, cid: cid.toString() })
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    const n = (this.#perPeer.get(peer) ?? 0) + 1
    this.#perPeer.set(peer, n)
    this.maxPerPeer.set(peer, Math.max(this.maxPerPeer.get(peer) ?? 0, n))
    try {
      await new Promise((r) => setTimeout(r, this.fetchMs))
      if (!this.online.has(peer)) throw new Error('connection closed')
      const bytes = this.stores.get(peer)?.get(cid.toString())
      if (!bytes) throw new BlockNotFoundError('not found')
      // The real fetch client checks every block against its CID.
      if (!(await blockMatches(cid, bytes))) throw new CorruptBlockError('bad bytes')
      const copy = bytes.slice()
      this.served.push(copy)
      return copy
    } finally {
      this.inFlight--
      this.#perPeer.set(peer, (this.#perPeer.get(peer) ?? 1) - 1)
    }
  }
  whoHas(peer: string, cids: CID[]): Promise<boolean[]> {
    if (!this.online.has(peer)) return Promise.reject(new Error('not connected'))
    const m = this.stores.get(peer)
    return Promise.resolve(cids.map((c) => m?.has(c.toString()) === true))
  }
  connect(peer: string): Promise<void> {
    if (this.failFirstDial.delete(peer)) return Promise.reject(new Error('set-up failed'))
    if (this.dialable.has(peer)) {
      this.setOnline(peer, true)
      return Promise.resolve()
    }
    return Promise.reject(new Error('unreachable'))
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

/** Shard i of every stripe on peer `p<i mod peers>`, the manifest on every peer. */
function spread(net: FakeNetwork, encoded: Encoded, peers: number): void {
  for (const s of encoded.stripes) {
    s.shards.forEach((shard, i) => net.hold(`p${i % peers}`, shard.cid, shard.bytes))
  }
  for (let p = 0; p < peers; p++) {
    net.hold(`p${p}`, encoded.final.block.cid, encoded.final.block.bytes)
  }
}

const data = pseudoRandom(300_000, 7)
const options = { segmentSize: 64 * 1024, k: 2, n: 4 }

describe('openDownload', () => {
  it('finds holders by asking connected peers and returns the exact bytes, spread over peers', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    const progress: number[] = []
    const { opened, stream } = await openDownload(encoded.final.capability, {
      network: net,
      onProgress: ({ bytes }) => progress.push(bytes),
    })
    expect(opened.envelope.size).toBe(data.length)
    expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
    expect(progress.at(-1)).toBe(data.length)
    // Stripes ahead of the reader keep several requests going, on more than one peer at once.
    expect(net.maxInFlight).toBeGreaterThan(2)
    expect(new Set(net.fetches.map((f) => f.peer)).size).toBeGreaterThan(1)
  })

  it('through a worker pool, moves fetched shards to the decode worker and yields the exact bytes', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    const pool = createWorkerPool({ size: 2, createWorker: () => new FakeWorker() })
    try {
      const { stream } = await openDownload(encoded.final.capability, { network: net, codec: pool })
      expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
      // Every shard fetched went to a decode worker by transfer (the manifest block did not).
      const shards = net.served.filter((b) => b.byteLength !== encoded.final.block.bytes.length)
      expect(shards.length).toBeGreaterThanOrEqual(encoded.stripes.length * options.k)
      expect(shards.every((b) => b.byteLength === 0)).toBe(true)
    } finally {
      pool.close()
    }
  })

  it('dials hinted peers that are not connected yet', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.dialable.add(`p${p}`)
    const { stream } = await openDownload(encoded.final.capability, {
      network: net,
      peers: ['p0', 'p1', 'p2', 'p3'],
    })
    expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
  })

  it('dials again a holder whose first dial failed, while the others already suffice', async () => {
    const encoded = await encodeAll(data, { ...options, segmentSize: 8 * 1024 })
    const net = new FakeNetwork()
    // Shards rotate over the peers, so each keeps data shards of some stripes.
    encoded.stripes.forEach((st, s) =>
      st.shards.forEach((shard, i) => net.hold(`p${(i + s) % 4}`, shard.cid, shard.bytes)),
    )
    for (let p = 0; p < 4; p++) {
      net.hold(`p${p}`, encoded.final.block.cid, encoded.final.block.bytes)
      net.dialable.add(`p${p}`)
    }
    net.failFirstDial.add('p3')
    net.fetchMs = 40
    const { stream } = await openDownload(encoded.final.capability, {
      network: net,
      peers: ['p0', 'p1', 'p2', 'p3'],
      redialMs: 20,
    })
    expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
    // k = 2 of p0–p2 suffice for every stripe; p3 was reached later and used all the same.
    expect(net.online.has('p3')).toBe(true)
    expect(net.fetches.some((f) => f.peer === 'p3')).toBe(true)
  })

  it('skips and reports a holder serving a corrupted shard, and still yields the exact bytes', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    // p0 rewrites its shard of stripe 1 (shard 0 = a data shard, asked first).
    const victim = encoded.stripes[1]!.shards[0]!
    const bad = victim.bytes.slice()
    bad[10]! ^= 0xff
    net.hold('p0', victim.cid, bad)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    const reported: string[] = []
    const { stream } = await openDownload(encoded.final.capability, {
      network: net,
      onBadPeer: (peer) => reported.push(peer),
    })
    expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
    expect(reported).toEqual(['p0'])
  })

  it('with k−1 holders online it reports the shortage, then finishes when one more comes back', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    net.online.add('p0')
    const waits: Array<DownloadWait | undefined> = []
    const { stream } = await openDownload(encoded.final.capability, {
      network: net,
      retryMs: 50,
      onWait: (w) => {
        waits.push(w)
        // The first report of a shortage brings a second holder online.
        if (w?.kind === 'shards' && !net.online.has('p2'))
          setTimeout(() => net.setOnline('p2', true), 30)
      },
    })
    const bytes = await collect(stream)
    expect(sha256hex(bytes)).toBe(sha256hex(data))
    const shortage = waits.find((w) => w?.kind === 'shards')
    expect(shortage).toMatchObject({ kind: 'shards', available: 1, needed: 2, missing: 1 })
    expect(waits.at(-1)).toBeUndefined()
  })

  it('replaces a holder that disappears mid-download', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    let dropped = false
    const { stream } = await openDownload(encoded.final.capability, {
      network: net,
      onProgress: () => {
        if (!dropped) {
          dropped = true
          net.setOnline('p1', false)
        }
      },
    })
    expect(sha256hex(await collect(stream))).toBe(sha256hex(data))
    expect(dropped).toBe(true)
  })

  it('waits for the manifest while no holder is reachable, and cancels cleanly', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    const controller = new AbortController()
    const waits: Array<DownloadWait | undefined> = []
    const pending = openDownload(encoded.final.capability, {
      network: net,
      signal: controller.signal,
      retryMs: 20,
      onWait: (w) => {
        waits.push(w)
        controller.abort(new DownloadCancelledError('stop'))
      },
    })
    await expect(pending).rejects.toBeInstanceOf(DownloadCancelledError)
    expect(waits[0]).toEqual({ kind: 'manifest' })
  })

  it('a wrong key fails with WrongKeyError before any shard is fetched', async () => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    const cap = { ...encoded.final.capability, key: new Uint8Array(32).fill(9) }
    await expect(openDownload(cap, { network: net })).rejects.toBeInstanceOf(WrongKeyError)
    expect(net.fetches).toHaveLength(1)
  })
})

describe('openDownload with a byte range', () => {
  const seg = options.segmentSize
  const ranged = async (range: { start: number; end: number }) => {
    const encoded = await encodeAll(data, options)
    const net = new FakeNetwork()
    spread(net, encoded, 4)
    for (let p = 0; p < 4; p++) net.online.add(`p${p}`)
    const { stream } = await openDownload(encoded.final.capability, { network: net, range })
    return { bytes: new Uint8Array(await collect(stream)), encoded, net }
  }

  it('returns exactly the bytes asked for, across a segment boundary, fetching only their stripes', async () => {
    const range = { start: seg - 100, end: 2 * seg + 5 }
    const { bytes, encoded, net } = await ranged(range)
    expect(bytes).toEqual(data.subarray(range.start, range.end))
    const wanted = new Set(
      encoded.stripes.slice(0, 3).flatMap((s) => s.shards.map((x) => x.cid.toString())),
    )
    const shards = net.fetches.filter((f) => f.cid !== encoded.final.block.cid.toString())
    expect(shards.length).toBeGreaterThan(0)
    expect(shards.every((f) => wanted.has(f.cid))).toBe(true)
  })

  it('serves the last byte alone, and a range inside one segment', async () => {
    expect((await ranged({ start: data.length - 1, end: data.length })).bytes).toEqual(
      data.subarray(data.length - 1),
    )
    const { bytes, net, encoded } = await ranged({ start: 3 * seg + 10, end: 3 * seg + 20 })
    expect(bytes).toEqual(data.subarray(3 * seg + 10, 3 * seg + 20))
    const stripe3 = new Set(encoded.stripes[3]!.shards.map((x) => x.cid.toString()))
    const shards = net.fetches.filter((f) => f.cid !== encoded.final.block.cid.toString())
    expect(shards.every((f) => stripe3.has(f.cid))).toBe(true)
  })

  it('refuses a range outside the file or empty', async () => {
    await expect(ranged({ start: 0, end: data.length + 1 })).rejects.toThrow(InvalidParametersError)
    await expect(ranged({ start: 10, end: 10 })).rejects.toThrow(InvalidParametersError)
  })
})
