// One peer of the end-to-end benchmark, driven by test/bench/run-e2e.ts: a real Coffer member
// node (src/net/node.ts) in its own browser context, plus the actions the runner times in it.
// The upload and download go through the app's engines (src/engine/upload, src/engine/download);
// the baselines (Helia UnixFS + bitswap, one raw libp2p stream) run on the same nodes.
import { unixfs } from '@helia/unixfs'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { fromHex, toHex } from '../../src/core/bytes.ts'
import {
  createCofferNode,
  createCoop,
  type Coop,
  type RunningCofferNode,
} from '../../src/net/index.ts'
import { shardNetwork } from '../../src/net/store/index.ts'
import { savePledge } from '../../src/storage/pledge.ts'
import { receiptsForFile } from '../../src/storage/receipts.ts'
import { openDownload } from '../../src/engine/download/download-engine.ts'
import { libp2pDownloadNetwork } from '../../src/engine/download/download-network.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { uploadFile } from '../../src/engine/upload/upload-file.ts'
import { createWorkerPool, type WorkerPool } from '../../src/workers/index.ts'
import { seededChunks, seededStream } from './e2e-data.ts'

/** A bench-only protocol: the receiver counts the bytes and answers with the count. */
const RAW_PROTOCOL = '/coffer-bench/raw/1.0.0'
const RAW_CHUNK = 64 * 1024

export interface Timed {
  ms: number
  bytes: number
}

export interface UploadFigures extends Timed {
  manifest: string
  key: string
  safe: boolean
  stripes: number
  /** Receipts the owner keeps: one per placed shard, plus manifest copies. */
  receipts: number
  holders: Record<string, number>
  poolSize: number
  /** Shards the holders built (not sent by the owner). */
  built: number
  /** Failed store/space calls (retried elsewhere by the engine), by error. */
  problems: Record<string, number>
}

export interface DownloadFigures extends Timed {
  poolSize: number
  name: string
}

export interface BenchPeer {
  start(coop: Coop | undefined, relays: string[]): Promise<{ peerId: string; coop: Coop }>
  directPeers(): string[]
  setPledge(bytes: number): Promise<void>
  upload(opts: {
    seed: number
    size: number
    holders: string[]
    /** false: the owner sends all n shards (no builds on holders). */
    build?: boolean
  }): Promise<UploadFigures>
  download(opts: { manifest: string; key: string; size: number }): Promise<DownloadFigures>
  heliaAdd(opts: { seed: number; size: number }): Promise<Timed & { cid: string }>
  heliaCat(opts: { cid: string; size: number }): Promise<Timed>
  rawServe(): Promise<void>
  rawSend(opts: { peer: string; seed: number; size: number }): Promise<Timed>
  stop(): Promise<void>
}

declare global {
  interface Window {
    benchPeer: BenchPeer
  }
}

const MiB = 1024 * 1024
/** Progress lines reach the runner's terminal only with BENCH_E2E_DEBUG set. */
const verbose = new URLSearchParams(location.search).has('debug')
let lastProgress = 0

function progress(text: string, started: number): void {
  const now = performance.now()
  if (!verbose || now - lastProgress < 1_000) return
  lastProgress = now
  console.log(`[bench] +${((now - started) / 1000).toFixed(1)}s ${text}`)
}

let node: RunningCofferNode | undefined
let pool: WorkerPool | undefined

function need(): RunningCofferNode {
  if (node === undefined) throw new Error('node not started')
  return node
}

function directConnection(peer: string): Connection {
  const conn = need()
    .libp2p.getConnections(peerIdFromString(peer))
    .find((c) => c.status === 'open' && c.limits === undefined)
  if (conn === undefined) throw new Error(`no direct connection to ${peer}`)
  return conn
}

function workerPool(): WorkerPool {
  pool ??= createWorkerPool()
  return pool
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return bytes
    bytes += value.length
  }
}

const BITSWAP_TIMEOUT_MS = 120_000

window.benchPeer = {
  async start(coop, relays) {
    const c = coop ?? createCoop({ relays, name: 'Bench co-op' })
    // Fast re-announcements so all six peers find each other within a few seconds.
    node = await createCofferNode({
      coop: c,
      codec: () => Promise.resolve(workerPool()),
      // Helia's 10 s defaults cannot move one 4 MiB bitswap message over a 2.5 Mbit/s path
      // (13 s), so its fetch stalled there; where messages are quick the longer limits change
      // nothing.
      bitswap: {
        messageSendTimeout: BITSWAP_TIMEOUT_MS,
        messageReceiveTimeout: BITSWAP_TIMEOUT_MS,
        sendBlocksTimeout: BITSWAP_TIMEOUT_MS,
      },
    })
    return {
      peerId: node.peerId,
      coop: { id: c.id, name: c.name, relays: [...c.relays], secret: c.secret },
    }
  },

  directPeers() {
    return need()
      .peers()
      .filter((p) => p.direct)
      .map((p) => p.peerId)
  },

  async setPledge(bytes) {
    await savePledge(need().db, bytes)
  },

  async upload({ seed, size, holders, build }) {
    const n = need()
    const codec = workerPool()
    const started = performance.now()
    // Counts what went wrong on the wire, so a failed run says why.
    const inner = shardNetwork(n.libp2p.services)
    const problems = new Map<string, number>()
    const note = (what: string, err: unknown): never => {
      const key = `${what}: ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 120)}` : String(err)}`
      problems.set(key, (problems.get(key) ?? 0) + 1)
      throw err
    }
    let built = 0
    const network: typeof inner = {
      ...inner,
      store: (peer, cid, bytes, o) =>
        inner.store(peer, cid, bytes, o).catch((e) => note('store', e)),
      freeSpace: (peer, o) => inner.freeSpace(peer, o).catch((e) => note('space', e)),
      build: (peer, plan, o) =>
        inner.build!(peer, plan, o).then(
          (r) => {
            built++
            return r
          },
          (e: unknown) => note('build', e),
        ),
    }
    const result = await uploadFile(
      {
        db: n.db,
        network,
        owner: n.peerId,
        // Only the four holder peers may be chosen: the downloading peer is a member too.
        peers: () =>
          n
            .peers()
            .filter((p) => p.direct && holders.includes(p.peerId))
            .map((p) => p.peerId),
        manifests: memoryManifests(),
        codec,
      },
      {
        name: `bench-${size}.bin`,
        type: 'application/octet-stream',
        size,
        stream: () => seededStream(seed, size),
      },
      {
        build,
        onProgress: (p) =>
          progress(`upload encoded ${p.encoded / MiB} MiB, stored ${p.stored / MiB} MiB`, started),
      },
    ).catch((err: unknown) => {
      const detail = [...problems].map(([k, v]) => `${v}× ${k}`).join('; ')
      throw new Error(`${String(err)} [network problems: ${detail || 'none'}]`)
    })
    const ms = performance.now() - started
    const receipts = await receiptsForFile(n.db, result.record.id)
    const perHolder: Record<string, number> = {}
    for (const r of receipts) perHolder[r.holder] = (perHolder[r.holder] ?? 0) + 1
    return {
      ms,
      bytes: size,
      manifest: result.record.manifestCid ?? '',
      key: toHex(result.record.key),
      safe: result.safe,
      stripes: Math.ceil(size / result.record.segmentSize),
      receipts: receipts.length,
      holders: perHolder,
      poolSize: codec.size,
      built,
      problems: Object.fromEntries(problems),
    }
  },

  async download({ manifest, key, size }) {
    const n = need()
    const codec = workerPool()
    const started = performance.now()
    const { opened, stream } = await openDownload(
      { kind: 'read', manifest: CID.parse(manifest), key: fromHex(key) },
      {
        network: libp2pDownloadNetwork(n.libp2p, { relays: n.coop.relays }),
        codec,
        onProgress: (p) => progress(`download ${(p.bytes / MiB).toFixed(0)} MiB`, started),
        onWait: (w) => progress(`download waiting ${JSON.stringify(w)}`, started),
        onBadPeer: (peer) => progress(`download: bad peer ${peer}`, started),
      },
    )
    // The sink discards: the engine itself checks the whole-file SHA-256 before closing.
    const bytes = await drain(stream)
    const ms = performance.now() - started
    if (bytes !== size) throw new Error(`downloaded ${bytes} bytes, expected ${size}`)
    return { ms, bytes, poolSize: codec.size, name: opened.envelope.name }
  },

  async heliaAdd({ seed, size }) {
    const fs = unixfs(need().helia)
    const started = performance.now()
    // IPIP-499 modern profile: 1 MiB raw leaves, the block size bitswap moves fastest here.
    const cid = await fs.addByteStream(seededChunks(seed, size), { profile: 'unixfs-v1-2025' })
    return { ms: performance.now() - started, bytes: size, cid: cid.toString() }
  },

  async heliaCat({ cid, size }) {
    const fs = unixfs(need().helia)
    const started = performance.now()
    let bytes = 0
    for await (const chunk of fs.cat(CID.parse(cid))) bytes += chunk.length
    const ms = performance.now() - started
    if (bytes !== size) throw new Error(`cat gave ${bytes} bytes, expected ${size}`)
    return { ms, bytes }
  },

  async rawServe() {
    await need().libp2p.handle(
      RAW_PROTOCOL,
      (stream: Stream) => {
        void (async () => {
          let bytes = 0
          for await (const chunk of stream) bytes += chunk.byteLength
          const answer = new Uint8Array(8)
          new DataView(answer.buffer).setBigUint64(0, BigInt(bytes))
          stream.send(answer)
          await stream.close()
        })().catch((err: unknown) => stream.abort(err as Error))
      },
      { runOnLimitedConnection: false },
    )
  },

  async rawSend({ peer, seed, size }) {
    const signal = AbortSignal.timeout(600_000)
    const started = performance.now()
    const stream = await directConnection(peer).newStream(RAW_PROTOCOL, {
      signal,
      runOnLimitedConnection: false,
    })
    for (const chunk of seededChunks(seed, size)) {
      for (let i = 0; i < chunk.length; i += RAW_CHUNK) {
        if (!stream.send(chunk.subarray(i, i + RAW_CHUNK))) await stream.onDrain({ signal })
      }
    }
    await stream.close({ signal })
    let answer = new Uint8Array(0)
    for await (const chunk of stream) {
      const part = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      answer = new Uint8Array([...answer, ...part])
    }
    const ms = performance.now() - started
    const received = answer.length === 8 ? Number(new DataView(answer.buffer).getBigUint64(0)) : -1
    if (received !== size) throw new Error(`peer received ${received} bytes, expected ${size}`)
    return { ms, bytes: size }
  },

  async stop() {
    pool?.close()
    await node?.stop()
  },
}
document.body.dataset.ready = 'true'
