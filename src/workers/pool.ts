import { CID } from 'multiformats/cid'
import {
  AbortError,
  blockMatches,
  InvalidParametersError,
  SegmentAuthenticationError,
  ShardPaddingError,
  ShardSizeMismatchError,
  TooFewShardsError,
  WorkerPoolError,
  WrongShardCountError,
  type DecodeStripeInput,
  type DecodeStripeOptions,
  type EncodedStripe,
  type EncodeStripeInput,
  type RebuildShardsInput,
  type PlaintextHasher,
  type StripeCodec,
  type StripeOptions,
} from '../core/index.ts'
import { DEFAULT_POOL_SIZE, JOBS_PER_WORKER, MAX_POOL_SIZE, MIN_POOL_SIZE } from './constants.ts'
import {
  ownsWholeBuffer,
  transferables,
  type WireEncodedStripe,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol.ts'

/** The part of the Web Worker API the pool uses, so tests can pass a stand-in. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void
  terminate(): void
  onmessage: ((event: MessageEvent) => void) | null
  onerror: ((event: ErrorEvent) => void) | null
}

export interface WorkerPoolInit {
  /** Number of workers; defaults to hardwareConcurrency − 1, between MIN_ and MAX_POOL_SIZE. */
  size?: number
  /**
   * Stripes one worker works on at once. Above 1, a worker codes one stripe while WebCrypto
   * encrypts or hashes the next on its own thread; defaults to JOBS_PER_WORKER.
   */
  jobsPerWorker?: number
  /** Tests and other bundlers: how to start one worker. */
  createWorker?: () => WorkerLike
}

export interface WorkerPool extends StripeCodec {
  readonly size: number
  /** Terminates the workers; pending work fails with WorkerPoolError. */
  close(): void
}

interface Job {
  request: WorkerRequest
  transfer: Transferable[]
  resolve: (response: WorkerResponse) => void
  reject: (error: Error) => void
  signal?: AbortSignal | undefined
  onAbort?: () => void
}

interface Slot {
  worker: WorkerLike
  /** By request id. */
  jobs: Map<number, Job>
}

function defaultWorker(): WorkerLike {
  return new Worker(new URL('./stripe-worker.ts', import.meta.url), {
    type: 'module',
    name: 'coffer-stripe',
  })
}

function defaultSize(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? DEFAULT_POOL_SIZE + 1
  // Workers spend part of each stripe waiting for WebCrypto's own thread, so at least two pay
  // off even on a 2-core machine (measured: 16 MiB, 4+4, 51 → 61 MB/s on 2 cores).
  return Math.max(MIN_POOL_SIZE, Math.min(MAX_POOL_SIZE, cores - 1))
}

/** Errors a worker reports are rebuilt as the same typed errors the in-thread code throws. */
const KNOWN_ERRORS: Record<string, new (message: string) => Error> = {
  SegmentAuthenticationError,
  InvalidParametersError,
  ShardPaddingError,
  TooFewShardsError,
  ShardSizeMismatchError,
  WrongShardCountError,
}

function rebuildError(error: { name: string; message: string }): Error {
  const Known = KNOWN_ERRORS[error.name]
  if (Known) return new Known(error.message)
  const err = new WorkerPoolError(`${error.name}: ${error.message}`)
  return err
}

function fromWire(stripe: WireEncodedStripe): EncodedStripe {
  return {
    index: stripe.index,
    length: stripe.length,
    shardSize: stripe.shardSize,
    shards: stripe.shards.map((s) => ({ cid: CID.decode(s.cid), bytes: s.bytes })),
  }
}

/**
 * A small pool of module workers running the per-stripe pipeline. It implements StripeCodec,
 * so `encodeFile(stream, meta, { codec: pool })` and `decodeFile(…, { codec: pool })` move the
 * heavy work off the page's thread with identical results.
 */
export function createWorkerPool(init: WorkerPoolInit = {}): WorkerPool {
  const size = init.size ?? defaultSize()
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw new InvalidParametersError(`pool size must be 1–${MAX_POOL_SIZE}`)
  }
  const jobsPerWorker = init.jobsPerWorker ?? JOBS_PER_WORKER
  if (!Number.isInteger(jobsPerWorker) || jobsPerWorker < 1) {
    throw new InvalidParametersError('jobs per worker must be a positive integer')
  }
  const createWorker = init.createWorker ?? defaultWorker
  const queue: Job[] = []
  const slots: Slot[] = []
  let nextId = 1
  let closed = false

  function detach(job: Job): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort)
  }

  function spawn(): Slot {
    const slot: Slot = { worker: createWorker(), jobs: new Map() }
    slot.worker.onmessage = (event: MessageEvent) => {
      const response = event.data as WorkerResponse
      const job = slot.jobs.get(response.id)
      slot.jobs.delete(response.id)
      if (job) {
        detach(job)
        job.resolve(response)
      }
      dispatch()
    }
    slot.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.()
      const jobs = [...slot.jobs.values()]
      slot.jobs.clear()
      slot.worker.terminate()
      // A crashed worker is replaced, so one bad input cannot shrink the pool.
      const i = slots.indexOf(slot)
      if (i !== -1 && !closed) slots[i] = spawn()
      for (const job of jobs) {
        detach(job)
        job.reject(new WorkerPoolError(`worker failed: ${event.message ?? 'unknown error'}`))
      }
      dispatch()
    }
    return slot
  }

  function dispatch(): void {
    // Round by round, so that work spreads over the workers before any gets a second job.
    for (let round = 1; round <= jobsPerWorker; round++) {
      for (const slot of slots) {
        if (slot.jobs.size >= round) continue
        const job = queue.shift()
        if (!job) return
        slot.jobs.set(job.request.id, job)
        slot.worker.postMessage(job.request, job.transfer)
      }
    }
  }

  function run(request: WorkerRequest, transfer: Transferable[], signal?: AbortSignal) {
    return new Promise<WorkerResponse>((resolve, reject) => {
      if (closed) return reject(new WorkerPoolError('the worker pool is closed'))
      if (signal?.aborted) return reject(new AbortError('the operation was aborted'))
      const job: Job = { request, transfer, resolve, reject, signal }
      if (signal) {
        job.onAbort = () => {
          const i = queue.indexOf(job)
          if (i !== -1) queue.splice(i, 1)
          // A job already in a worker runs to its end; its answer is then dropped.
          reject(new AbortError('the operation was aborted'))
        }
        signal.addEventListener('abort', job.onAbort, { once: true })
      }
      queue.push(job)
      dispatch()
    })
  }

  for (let i = 0; i < size; i++) slots.push(spawn())

  // Hashing the whole plaintext is sequential, so it gets a worker of its own rather than a
  // place in the stripe queue, where it would wait behind the stripes it must run beside.
  let hashWorker: WorkerLike | undefined
  let nextHasher = 1
  const hashAnswers = new Map<
    number,
    { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }
  >()

  function failDigests(error: Error): void {
    for (const d of hashAnswers.values()) d.reject(error)
    hashAnswers.clear()
  }

  function hasherWorker(): WorkerLike {
    if (hashWorker) return hashWorker
    const worker = createWorker()
    worker.onmessage = (event: MessageEvent) => {
      const response = event.data as WorkerResponse
      const pending = hashAnswers.get(response.id)
      hashAnswers.delete(response.id)
      if (!pending) return
      if (response.ok && (response.op === 'hash-digest' || response.op === 'hash-take')) {
        pending.resolve(response.result)
      } else {
        pending.reject(new WorkerPoolError('hash worker answered out of protocol'))
      }
    }
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault?.()
      worker.terminate()
      // State of every open hasher was in that worker: their files must be re-encoded.
      hashWorker = undefined
      failDigests(new WorkerPoolError(`hash worker failed: ${event.message ?? 'unknown'}`))
    }
    hashWorker = worker
    return worker
  }

  return {
    size,
    async encodeStripe(input: EncodeStripeInput, options: StripeOptions = {}) {
      // The segment is not needed here afterwards; moving it avoids a 1 MiB copy per stripe.
      const transfer = ownsWholeBuffer(input.plaintext)
        ? [input.plaintext.buffer as ArrayBuffer]
        : []
      const response = await run({ id: nextId++, op: 'encode', input }, transfer, options.signal)
      if (!response.ok) throw rebuildError(response.error)
      if (response.op !== 'encode') throw new WorkerPoolError('mismatched worker response')
      return { ...fromWire(response.result), plaintext: response.plaintext }
    },
    async decodeStripe(input: DecodeStripeInput, options: DecodeStripeOptions = {}) {
      // Shards are copied unless the caller gives them up (its source, a cache or a
      // blockstore, may keep them); then the buffers they lie in move with them.
      const transfer = options.moveShards
        ? transferables(input.shards.filter((s): s is Uint8Array => s !== undefined))
        : []
      const response = await run({ id: nextId++, op: 'decode', input }, transfer, options.signal)
      if (!response.ok) throw rebuildError(response.error)
      if (response.op !== 'decode') throw new WorkerPoolError('mismatched worker response')
      return response.result
    },
    async rebuildShards(input: RebuildShardsInput, options: StripeOptions = {}) {
      // Copied, not moved, like decodeStripe's: the caller still stores the shards it fetched.
      const response = await run({ id: nextId++, op: 'rebuild', input }, [], options.signal)
      if (!response.ok) throw rebuildError(response.error)
      if (response.op !== 'rebuild') throw new WorkerPoolError('mismatched worker response')
      return response.result
    },
    createHasher(): PlaintextHasher {
      if (closed) throw new WorkerPoolError('the worker pool is closed')
      const hasher = nextHasher++
      const worker = hasherWorker()
      let broken = false
      return {
        update(bytes) {
          if (closed || broken || hashWorker !== worker) {
            broken = true
            return
          }
          // Copied (not moved): the caller may hand the same bytes to a stripe worker next.
          worker.postMessage({ id: 0, op: 'hash-update', hasher, bytes }, [])
        },
        take(bytes) {
          if (closed || broken || hashWorker !== worker) {
            broken = true
            return Promise.reject(new WorkerPoolError('the hash worker is gone'))
          }
          if (!ownsWholeBuffer(bytes)) {
            // Moving the buffer would take other bytes with it.
            worker.postMessage({ id: 0, op: 'hash-update', hasher, bytes }, [])
            return Promise.resolve(bytes)
          }
          const id = nextId++
          return new Promise<Uint8Array>((resolve, reject) => {
            hashAnswers.set(id, { resolve, reject })
            worker.postMessage({ id, op: 'hash-take', hasher, bytes }, [
              bytes.buffer as ArrayBuffer,
            ])
          })
        },
        digest(options: StripeOptions = {}) {
          if (closed || broken || hashWorker !== worker) {
            return Promise.reject(new WorkerPoolError('the hash worker is gone'))
          }
          options.signal?.throwIfAborted()
          const id = nextId++
          return new Promise<Uint8Array>((resolve, reject) => {
            hashAnswers.set(id, { resolve, reject })
            worker.postMessage({ id, op: 'hash-digest', hasher }, [])
          })
        },
      }
    },
    verifyShard(cid, bytes) {
      // WebCrypto's digest already runs off the page's thread; a worker would add a copy.
      return blockMatches(cid, bytes)
    },
    close() {
      if (closed) return
      closed = true
      for (const slot of slots) {
        slot.worker.terminate()
        for (const job of slot.jobs.values()) {
          detach(job)
          job.reject(new WorkerPoolError('the worker pool was closed'))
        }
        slot.jobs.clear()
      }
      hashWorker?.terminate()
      failDigests(new WorkerPoolError('the worker pool was closed'))
      for (const job of queue.splice(0)) {
        detach(job)
        job.reject(new WorkerPoolError('the worker pool was closed'))
      }
    },
  }
}
