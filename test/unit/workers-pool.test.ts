import { describe, expect, it } from 'vitest'
import {
  AbortError,
  decodeFile,
  openManifest,
  SegmentAuthenticationError,
  TooFewShardsError,
  WorkerPoolError,
} from '../../src/core/index.ts'
import { createWorkerPool } from '../../src/workers/index.ts'
import { FakeWorker } from './fake-worker.ts'
import { collect, encodeAll, pseudoRandom, sha256hex } from './core-helpers.ts'

const FIXED = {
  segmentSize: 700,
  k: 3,
  n: 5,
  key: pseudoRandom(32, 11),
  fileId: pseudoRandom(16, 12),
  now: () => 1_700_000_000_000,
}

describe('worker pool (fake workers running the real handler)', () => {
  it('produces byte-identical shards and manifest to the in-thread code, and decodes', async () => {
    const data = pseudoRandom(5000, 3)
    const local = await encodeAll(data, FIXED)
    const pool = createWorkerPool({ size: 3, createWorker: () => new FakeWorker() })
    try {
      const pooled = await encodeAll(data, { ...FIXED, codec: pool, concurrency: 3 })
      expect(pooled.final.block.cid.equals(local.final.block.cid)).toBe(true)
      expect(pooled.final.block.bytes).toEqual(local.final.block.bytes)
      pooled.stripes.forEach((s, i) => {
        expect(s.shards.map((b) => b.cid.toString())).toEqual(
          local.stripes[i]!.shards.map((b) => b.cid.toString()),
        )
      })
      const opened = await openManifest(local.final.block.bytes, FIXED.key)
      const out = await collect(decodeFile(opened, local.source, { codec: pool }))
      expect(sha256hex(out)).toBe(sha256hex(data))
    } finally {
      pool.close()
    }
  })

  it('rebuilds lost data and parity shards identical to the originals', async () => {
    const enc = await encodeAll(pseudoRandom(2000, 5), FIXED)
    const original = enc.stripes[0]!.shards.map((b) => b.bytes)
    const pool = createWorkerPool({ size: 1, createWorker: () => new FakeWorker() })
    try {
      const shards = original.map((s, i) => ([0, 3].includes(i) ? undefined : s))
      const rebuilt = await pool.rebuildShards({ k: 3, n: 5, shards, want: [3, 0] })
      expect(rebuilt).toEqual([original[3], original[0]])
      const tooFew = original.map((s, i) => (i < 3 ? undefined : s))
      const err = await pool
        .rebuildShards({ k: 3, n: 5, shards: tooFew, want: [0] })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(TooFewShardsError)
    } finally {
      pool.close()
    }
  })

  it('carries typed errors back from the worker', async () => {
    const enc = await encodeAll(pseudoRandom(900), FIXED)
    const pool = createWorkerPool({ size: 1, createWorker: () => new FakeWorker() })
    try {
      const opened = await openManifest(enc.final.block.bytes, FIXED.key)
      const err = await collect(
        decodeFile({ ...opened, key: pseudoRandom(32, 1) }, enc.source, { codec: pool }),
      ).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SegmentAuthenticationError)
    } finally {
      pool.close()
    }
  })

  it('replaces a crashed worker and fails only the jobs it was running', async () => {
    for (const jobsPerWorker of [1, 2]) {
      let crashes = 0
      let crashed!: () => void
      const crash = new Promise<void>((resolve) => (crashed = resolve))
      const pool = createWorkerPool({
        size: 1,
        jobsPerWorker,
        createWorker: () =>
          new FakeWorker(
            (r) => {
              const now = r.op === 'encode' && r.input.index === 1 && crashes++ === 0
              if (now) crashed()
              return now
            },
            // With two slots, job 0 stays in the worker until job 1 crashes it; otherwise job 0
            // could finish first and job 2 take its slot in the doomed worker.
            (r) =>
              jobsPerWorker === 2 && r.op === 'encode' && r.input.index === 0 ? crash : undefined,
          ),
      })
      try {
        const base = { key: FIXED.key, fileId: FIXED.fileId, k: 2, n: 3, final: false }
        const a = pool.encodeStripe({ ...base, index: 0, plaintext: new Uint8Array(10) })
        const b = pool.encodeStripe({ ...base, index: 1, plaintext: new Uint8Array(10) })
        const c = pool.encodeStripe({ ...base, index: 2, plaintext: new Uint8Array(10) })
        if (jobsPerWorker === 1) await expect(a).resolves.toMatchObject({ index: 0 })
        else await expect(a).rejects.toBeInstanceOf(WorkerPoolError)
        await expect(b).rejects.toBeInstanceOf(WorkerPoolError)
        // The queued job runs in the replacement worker.
        await expect(c).resolves.toMatchObject({ index: 2 })
      } finally {
        pool.close()
      }
    }
  })

  it('keeps up to jobsPerWorker jobs in each worker, spread over the workers first', async () => {
    const posted: number[] = []
    const workers: FakeWorker[] = []
    const pool = createWorkerPool({
      size: 2,
      jobsPerWorker: 2,
      createWorker: () => {
        const w = new FakeWorker()
        const index = workers.push(w) - 1
        const post = w.postMessage.bind(w)
        w.postMessage = (m, t) => {
          posted.push(index)
          post(m, t)
        }
        return w
      },
    })
    try {
      const base = { key: FIXED.key, fileId: FIXED.fileId, k: 2, n: 3, final: false }
      const jobs = [0, 1, 2, 3, 4].map((index) =>
        pool.encodeStripe({ ...base, index, plaintext: new Uint8Array(10) }),
      )
      // Synchronously: two workers, two jobs each; the fifth waits for a free place.
      expect(posted).toEqual([0, 1, 0, 1])
      const done = await Promise.all(jobs)
      expect(done.map((s) => s.index)).toEqual([0, 1, 2, 3, 4])
      expect(posted).toHaveLength(5)
    } finally {
      pool.close()
    }
  })

  it('rejects queued work on abort and all pending work on close', async () => {
    const pool = createWorkerPool({ size: 1, createWorker: () => new FakeWorker() })
    const base = { key: FIXED.key, fileId: FIXED.fileId, k: 2, n: 3, final: false }
    const ac = new AbortController()
    const first = pool.encodeStripe({ ...base, index: 0, plaintext: new Uint8Array(10) })
    const queued = pool.encodeStripe(
      { ...base, index: 1, plaintext: new Uint8Array(10) },
      { signal: ac.signal },
    )
    ac.abort()
    await expect(queued).rejects.toBeInstanceOf(AbortError)
    const pending = pool.encodeStripe({ ...base, index: 2, plaintext: new Uint8Array(10) })
    pool.close()
    await expect(first).rejects.toBeInstanceOf(WorkerPoolError)
    await expect(pending).rejects.toBeInstanceOf(WorkerPoolError)
  })
})
