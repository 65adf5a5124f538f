// Runs inside Chromium, driven by test/bench/run-core.ts. Each figure is the median of several
// timed samples after a warm-up, in MB/s (10^6 bytes per second) of the data being processed.
import type { ReedSolomonErasure as ReferenceCodec } from '@subspace/reed-solomon-erasure.wasm'
import referenceScriptUrl from '@subspace/reed-solomon-erasure.wasm/dist/index.js?url'
import referenceWasmUrl from '@subspace/reed-solomon-erasure.wasm/dist/reed_solomon_erasure_bg.wasm?url'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeFile, Sha256, sha256Implementation } from '../../src/core/index.ts'
import { PortableSha256 } from '../../src/core/sha256-portable.ts'
import {
  createErasureCodec,
  hasWasmKernel,
  wasmKernelVariant,
} from '../../src/core/erasure/index.ts'
import { createCodecWithKernel } from '../../src/core/erasure/codec.ts'
import { createWasmKernel } from '../../src/core/erasure/kernel-wasm.ts'
import { createWorkerPool } from '../../src/workers/index.ts'
import type { WorkerAnswer, WorkerJob } from './core-worker.ts'
import { median } from './stats.ts'

export interface BenchSettings {
  segmentSize: number
  sampleMs: number
  samples: number
  pipelineBytes: number
}

export interface Figure {
  id: string
  label: string
  mbPerSec: number
  samples: number[]
}

/** The pipeline against what its own measured steps allow, per round (see pipelineBound). */
export interface BoundRound {
  loadAverage: number | undefined
  boundMbPerSec: number
  pipelineMbPerSec: number
  ratio: number
  aesGcmMbPerSec: number
}

export interface PageResults {
  figures: Figure[]
  bound: { cores: number; rounds: BoundRound[]; sha256Implementation: string }
  wasmKernel: boolean
  wasmKernelVariant: string
  pipeline: { source: string; k: number; n: number; segmentSize: number; bytes: number }
  userAgent: string
  crossOriginIsolated: boolean
}

declare global {
  interface Window {
    runCoreBench(settings: BenchSettings): Promise<PageResults>
    /** Exposed by run-core.ts: the host's one-minute load average now. */
    benchLoadAverage?: () => Promise<number>
  }
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536))
  return out
}

const log = (s: string) => console.log(`[bench] ${s}`)

interface Op {
  id: string
  label: string
  /** Bytes of data processed per call. */
  bytes: number
  run: () => unknown
}

/**
 * Runs each op for `sampleMs` in turn, `samples` rounds after one warm-up round. Interleaving
 * the ops means a busy machine slows all of them alike, so the ratios stay meaningful.
 */
async function measure(
  ops: Op[],
  settings: BenchSettings,
  loads: (number | undefined)[] = [],
): Promise<Figure[]> {
  const rates = ops.map(() => [] as number[])
  for (let s = -1; s < settings.samples; s++) {
    if (s >= 0) loads.push(await window.benchLoadAverage?.())
    for (const [i, op] of ops.entries()) {
      let calls = 0
      const start = performance.now()
      let elapsed = 0
      do {
        await op.run()
        calls++
        elapsed = performance.now() - start
      } while (elapsed < settings.sampleMs)
      if (s >= 0) rates[i]!.push((calls * op.bytes) / 1e6 / (elapsed / 1000))
      // Let the event loop (and the GC's finalisation tasks) run between samples.
      await new Promise((r) => setTimeout(r, 0))
    }
  }
  return ops.map((op, i) => {
    const figure = { id: op.id, label: op.label, mbPerSec: median(rates[i]!), samples: rates[i]! }
    log(`${op.label}: ${figure.mbPerSec.toFixed(0)} MB/s`)
    return figure
  })
}

/**
 * The reference ships as a CommonJS/AMD module that requires 'fs' (only for its Node loader), which
 * Vite's bundler cannot shim; load it as a classic script through its AMD branch instead.
 */
async function loadReference(): Promise<typeof ReferenceCodec> {
  const exports: { ReedSolomonErasure?: typeof ReferenceCodec } = {}
  const define = (_deps: string[], factory: (req: (id: string) => unknown, ex: object) => void) =>
    factory(() => ({}), exports)
  define.amd = true
  Object.assign(globalThis, { define })
  await new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = referenceScriptUrl
    script.onload = resolve
    script.onerror = reject
    document.head.append(script)
  })
  if (!exports.ReedSolomonErasure) throw new Error('reference codec did not load')
  return exports.ReedSolomonErasure
}

/**
 * What the pipeline's steps allow, in MB/s of plaintext: every step but the plaintext hash runs
 * on any core, so the CPU-seconds per byte of all steps spread over the cores bound it, and the
 * plaintext hash, which must see the segments in order on one thread, bounds it on its own.
 * Shard CIDs hash every shard: `expansion` (n/k) bytes per plaintext byte.
 */
function pipelineBound(
  steps: { aesGcm: number; rsEncode: number; shardCid: number; plaintextHash: number },
  expansion: number,
  cores: number,
): number {
  const secondsPerMb =
    1 / steps.aesGcm + 1 / steps.rsEncode + expansion / steps.shardCid + 1 / steps.plaintextHash
  return Math.min(cores / secondsPerMb, steps.plaintextHash)
}

async function runCoreBench(settings: BenchSettings): Promise<PageResults> {
  const figures: Figure[] = []
  const seg = settings.segmentSize
  const ReedSolomonErasure = await loadReference()
  const referenceBytes = await (await fetch(referenceWasmUrl)).arrayBuffer()
  const reference = ReedSolomonErasure.fromBytes(referenceBytes)

  for (const [k, n] of [
    [4, 8],
    [10, 30],
  ] as const) {
    const shape = `${k}+${n - k}`
    const size = Math.ceil(seg / k)
    const bytes = size * k
    const data = Array.from({ length: k }, () => randomBytes(size))
    // Lose as many data shards as possible, so that parity is really used.
    const lost = Math.min(k, n - k)
    const ours = createErasureCodec(k, n)
    const portable = createErasureCodec(k, n, { kernel: 'ts' })
    const parity = ours.encode(data)
    // The relaxed-SIMD build only runs here (Node 20 lacks it): check it against the TS kernel.
    const agree = portable.encode(data).every((p, i) => p.every((b, j) => b === parity[i]![j]))
    if (!agree) throw new Error(`kernel ${wasmKernelVariant()} disagrees with the TS kernel`)
    const damaged: (Uint8Array | undefined)[] = [...data, ...parity]
    for (let i = 0; i < lost; i++) damaged[i] = undefined
    // The reference works in place on one contiguous buffer of n shards: its fastest form.
    const buf = new Uint8Array(size * n)
    data.forEach((d, i) => buf.set(d, i * size))
    if (reference.encode(buf, k, n - k) !== ReedSolomonErasure.RESULT_OK) {
      throw new Error('reference encode failed')
    }
    const available = Array.from({ length: n }, (_, i) => i >= lost)
    const ref = 'reed-solomon-erasure.wasm'
    // Our codec writing into the same buffers on every call, as the reference does in place:
    // on a busy VM, first-touch page faults on fresh output memory can cost more than the coding.
    const reused = new Map<string, Uint8Array[]>()
    const reusing = createCodecWithKernel(k, n, createWasmKernel()!.mul, (count, len) => {
      const key = `${count}/${len}`
      let views = reused.get(key)
      if (!views)
        reused.set(key, (views = Array.from({ length: count }, () => new Uint8Array(len))))
      return views
    })
    // The reference used through an API like ours: fresh memory for the shards it returns.
    const refFresh = (op: (b: Uint8Array) => number) => () => {
      const fresh = new Uint8Array(size * n)
      data.forEach((d, i) => fresh.set(d, i * size))
      if (op(fresh) !== ReedSolomonErasure.RESULT_OK) throw new Error('reference failed')
    }
    const decodeLabel = `${shape} (${lost} data shards lost)`
    figures.push(
      ...(await measure(
        [
          {
            id: `ours-encode-${shape}`,
            label: `ours encode ${shape}`,
            bytes,
            run: () => ours.encode(data),
          },
          {
            id: `ours-encode-reused-${shape}`,
            label: `ours encode ${shape}, outputs reused`,
            bytes,
            run: () => reusing.encode(data),
          },
          {
            id: `ref-encode-${shape}`,
            label: `${ref} encode ${shape}, in place`,
            bytes,
            run: () => reference.encode(buf, k, n - k),
          },
          {
            id: `ref-encode-fresh-${shape}`,
            label: `${ref} encode ${shape}, fresh buffer`,
            bytes,
            run: refFresh((b) => reference.encode(b, k, n - k)),
          },
          {
            id: `ours-decode-${shape}`,
            label: `ours decode ${decodeLabel}`,
            bytes,
            run: () => ours.reconstruct(damaged),
          },
          {
            id: `ours-decode-reused-${shape}`,
            label: `ours decode ${decodeLabel}, outputs reused`,
            bytes,
            run: () => reusing.reconstruct(damaged),
          },
          {
            id: `ref-decode-${shape}`,
            label: `${ref} decode ${decodeLabel}, in place`,
            bytes,
            run: () => reference.reconstruct(buf, k, n - k, available),
          },
          {
            id: `ref-decode-fresh-${shape}`,
            label: `${ref} decode ${decodeLabel}, fresh buffer`,
            bytes,
            run: refFresh((b) => reference.reconstruct(b, k, n - k, available)),
          },
          {
            id: `ours-ts-encode-${shape}`,
            label: `ours encode ${shape}, portable TS kernel`,
            bytes,
            run: () => portable.encode(data),
          },
        ],
        settings,
      )),
    )
  }

  // The same codec in a Web Worker: it must instantiate synchronously there and agree with the page.
  {
    const k = 4
    const n = 8
    const data = Array.from({ length: k }, () => randomBytes(Math.ceil(seg / k)))
    const expected = createErasureCodec(k, n).encode(data)
    const worker = new Worker(new URL('./core-worker.ts', import.meta.url), { type: 'module' })
    const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<WorkerAnswer>) => resolve(e.data)
      worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`))
      const job: WorkerJob = { k, n, data, sampleMs: settings.sampleMs * settings.samples }
      worker.postMessage(job)
    })
    worker.terminate()
    const same = answer.parity.every((p, i) => p.every((b, j) => b === expected[i]![j]))
    if (!answer.wasmKernel || !same) {
      throw new Error(`worker: SIMD kernel ${answer.wasmKernel}, parity matches page ${same}`)
    }
    log(`ours encode 4+4 in a Web Worker: ${answer.mbPerSec.toFixed(0)} MB/s`)
    figures.push({
      id: 'ours-encode-worker-4+4',
      label: 'ours encode 4+4 in a Web Worker (one long sample)',
      mbPerSec: answer.mbPerSec,
      samples: [answer.mbPerSec],
    })
  }

  // WebCrypto AES-256-GCM alone, one segment at a time as the pipeline does per stripe.
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
  const plain = randomBytes(seg)
  const iv = new Uint8Array(12)
  // The whole pipeline: a Blob stream (as File.stream()) to encrypted shards with CIDs.
  const k = 4
  const n = 8
  const blob = new Blob([randomBytes(settings.pipelineBytes)])
  const pipeline = async () => {
    let shards = 0
    for await (const event of encodeFile(
      blob.stream(),
      { name: 'bench.bin' },
      { k, n, segmentSize: seg },
    )) {
      if (event.type === 'stripe') shards += event.shards.length
    }
    if (shards === 0) throw new Error('pipeline produced no shards')
  }
  // The same pipeline as uploads run it: the stripes and the plaintext hash in Web Workers.
  const pool = createWorkerPool()
  const pooled = async () => {
    let shards = 0
    for await (const event of encodeFile(
      blob.stream(),
      { name: 'bench.bin' },
      { k, n, segmentSize: seg, codec: pool },
    )) {
      if (event.type === 'stripe') shards += event.shards.length
    }
    if (shards === 0) throw new Error('pipeline produced no shards')
  }
  // The same per-segment work composed by hand, to see what the pipeline itself adds.
  const composedCodec = createErasureCodec(k, n)
  const composed = async () => {
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain))
    const size = Math.ceil(ct.length / k)
    const padded = new Uint8Array(size * k)
    padded.set(ct)
    const shards = Array.from({ length: k }, (_, i) => padded.subarray(i * size, (i + 1) * size))
    const all = [...shards, ...composedCodec.encode(shards)]
    await Promise.all(all.map(async (s) => CID.createV1(raw.code, await sha256.digest(s))))
  }
  // The pipeline's steps alone, each as the pipeline feeds it, to compute its bound per round.
  const stepShards = Array.from({ length: k }, () => randomBytes(Math.ceil(seg / k)))
  const loads: (number | undefined)[] = []
  // One long-lived hasher each, as a file's whole plaintext goes through one (the warm-up round
  // covers the WebAssembly instantiation).
  const plaintextHash = new Sha256()
  const portableHash = new PortableSha256()
  const last = await measure(
    [
      {
        id: 'aes-gcm',
        label: 'WebCrypto AES-256-GCM encrypt, 1 MiB segments',
        bytes: seg,
        run: () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain),
      },
      {
        id: 'pipeline-pool',
        label: `pipeline encodeFile ${k}+${n - k}, worker pool (as uploads run it)`,
        bytes: settings.pipelineBytes,
        run: pooled,
      },
      {
        id: 'rs-encode-step',
        label: `our RS ${k}+${n - k} encode of one segment's data shards`,
        bytes: seg,
        run: () => composedCodec.encode(stepShards),
      },
      {
        id: 'sha256-webcrypto',
        label: 'WebCrypto SHA-256, 1 MiB (as for shard CIDs)',
        bytes: seg,
        run: () => crypto.subtle.digest('SHA-256', plain),
      },
      {
        id: 'sha256-incremental',
        label: 'src/core Sha256 (WebAssembly, for the plaintext hash), 1 MiB',
        bytes: seg,
        run: () => plaintextHash.update(plain),
      },
      {
        id: 'pipeline',
        label: `pipeline encodeFile ${k}+${n - k}, all in the page thread`,
        bytes: settings.pipelineBytes,
        run: pipeline,
      },
      {
        id: 'sha256-portable',
        label: 'portable JavaScript SHA-256 (the fallback), 1 MiB',
        bytes: seg,
        run: () => portableHash.update(plain),
      },
      {
        id: 'composed',
        label: `AES-GCM + our RS ${k}+${n - k} + SHA-256 CIDs, composed directly`,
        bytes: seg,
        run: composed,
      },
    ],
    settings,
    loads,
  )
  figures.push(...last)
  const sample = (id: string, round: number) => last.find((f) => f.id === id)!.samples[round]!
  const cores = navigator.hardwareConcurrency
  const rounds = loads.map((loadAverage, r): BoundRound => {
    const boundMbPerSec = pipelineBound(
      {
        aesGcm: sample('aes-gcm', r),
        rsEncode: sample('rs-encode-step', r),
        shardCid: sample('sha256-webcrypto', r),
        plaintextHash: sample('sha256-incremental', r),
      },
      n / k,
      cores,
    )
    const pipelineMbPerSec = sample('pipeline-pool', r)
    return {
      loadAverage,
      boundMbPerSec,
      pipelineMbPerSec,
      ratio: pipelineMbPerSec / boundMbPerSec,
      aesGcmMbPerSec: sample('aes-gcm', r),
    }
  })

  const poolSize = pool.size
  pool.close()
  return {
    figures,
    bound: { cores, rounds, sha256Implementation: sha256Implementation() ?? 'none' },
    wasmKernel: hasWasmKernel(),
    wasmKernelVariant: wasmKernelVariant() ?? 'none',
    pipeline: {
      source: `encodeFile from src/core/index.ts, stream → AES-GCM → RS → CIDs + plaintext SHA-256; worker pool of ${poolSize} stripe workers + 1 hash worker`,
      k,
      n,
      segmentSize: seg,
      bytes: settings.pipelineBytes,
    },
    userAgent: navigator.userAgent,
    crossOriginIsolated,
  }
}

window.runCoreBench = runCoreBench
document.body.dataset.ready = 'true'
