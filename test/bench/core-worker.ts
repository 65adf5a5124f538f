// Benchmark helper: shows the codec instantiating synchronously inside a Web Worker, and times it there.
import {
  createErasureCodec,
  hasWasmKernel,
  wasmKernelVariant,
} from '../../src/core/erasure/index.ts'

export interface WorkerJob {
  k: number
  n: number
  data: Uint8Array[]
  sampleMs: number
}

export interface WorkerAnswer {
  wasmKernel: boolean
  variant: string
  parity: Uint8Array[]
  mbPerSec: number
}

self.onmessage = (event: MessageEvent<WorkerJob>) => {
  const { k, n, data, sampleMs } = event.data
  const codec = createErasureCodec(k, n)
  const parity = codec.encode(data)
  const bytes = data.reduce((sum, d) => sum + d.length, 0)
  let calls = 0
  const start = performance.now()
  let elapsed = 0
  do {
    codec.encode(data)
    calls++
    elapsed = performance.now() - start
  } while (elapsed < sampleMs)
  const answer: WorkerAnswer = {
    wasmKernel: hasWasmKernel(),
    variant: wasmKernelVariant() ?? 'none',
    parity,
    mbPerSec: (calls * bytes) / 1e6 / (elapsed / 1000),
  }
  self.postMessage(answer)
}
