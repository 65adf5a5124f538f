import { NIBBLE_TABLES } from './gf256.ts'
import type { MulKernel } from './kernel-ts.ts'
import { KERNEL_RELAXED_WASM_BASE64, KERNEL_WASM_BASE64 } from './wasm/kernel.generated.js'

interface KernelExports {
  memory: WebAssembly.Memory
  mulRows(
    tables: number,
    coefs: number,
    inputs: number,
    inStride: number,
    k: number,
    outputs: number,
    outStride: number,
    rows: number,
    len: number,
    scratch: number,
  ): void
}

/** Bytes of each shard processed per call: large enough to amortise the call, small enough for L2. */
const CHUNK = 32 * 1024
/** The kernel works on whole 32-byte steps; bytes past a shard's end are computed and ignored. */
const STEP = 32
const MAX_ROWS = 64
// AssemblyScript's stub runtime keeps its own (empty) data below this offset.
const TABLES = 65536
const COEFS = TABLES + NIBBLE_TABLES.length
const SCRATCH = COEFS + MAX_ROWS * MAX_ROWS
const INPUTS = SCRATCH + MAX_ROWS * MAX_ROWS * 32
const PAGE = 65536

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** The kernel built for WebAssembly SIMD (fixed-width SIMD, in every current engine). */
export const kernelWasmBytes: Uint8Array<ArrayBuffer> = decodeBase64(KERNEL_WASM_BASE64)
/** The same source built with relaxed SIMD too (Chromium ≥ 114; not Node 20 without a flag). */
export const kernelRelaxedWasmBytes: Uint8Array<ArrayBuffer> = decodeBase64(
  KERNEL_RELAXED_WASM_BASE64,
)

export type WasmKernelVariant = 'relaxed-simd' | 'simd'

export interface WasmKernel {
  variant: WasmKernelVariant
  mul: MulKernel
}

/**
 * Instantiates the fastest kernel the runtime validates, synchronously (each build is about
 * 1 KiB, within what browsers compile on a main thread). Undefined without WebAssembly SIMD.
 */
export function createWasmKernel(
  variants: readonly WasmKernelVariant[] = ['relaxed-simd', 'simd'],
): WasmKernel | undefined {
  if (typeof WebAssembly === 'undefined') return undefined
  const variant = variants.find((v) =>
    WebAssembly.validate(v === 'simd' ? kernelWasmBytes : kernelRelaxedWasmBytes),
  )
  if (!variant) return undefined
  const bytes = variant === 'simd' ? kernelWasmBytes : kernelRelaxedWasmBytes
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
  const wasm = instance.exports as unknown as KernelExports
  let heap = new Uint8Array(wasm.memory.buffer)
  const ensure = (bytes: number) => {
    if (heap.length < bytes) {
      wasm.memory.grow(Math.ceil((bytes - heap.length) / PAGE))
      heap = new Uint8Array(wasm.memory.buffer)
    }
  }
  ensure(INPUTS)
  heap.set(NIBBLE_TABLES, TABLES)

  const mul: MulKernel = (coefs, inputs, outputs, len) => {
    const k = inputs.length
    const rows = outputs.length
    const stride = Math.min(CHUNK, Math.ceil(len / STEP) * STEP)
    const outBase = INPUTS + k * stride
    ensure(outBase + rows * stride)
    heap.set(coefs.subarray(0, rows * k), COEFS)
    for (let pos = 0; pos < len; pos += stride) {
      const size = Math.min(stride, len - pos)
      for (let c = 0; c < k; c++) {
        heap.set(inputs[c]!.subarray(pos, pos + size), INPUTS + c * stride)
      }
      const steps = Math.ceil(size / STEP) * STEP
      wasm.mulRows(TABLES, COEFS, INPUTS, stride, k, outBase, stride, rows, steps, SCRATCH)
      for (let r = 0; r < rows; r++) {
        const from = outBase + r * stride
        outputs[r]!.set(heap.subarray(from, from + size), pos)
      }
    }
  }
  return { variant, mul }
}
