import { createCodecWithKernel, type ErasureCodec } from './codec.ts'
import { WasmUnavailableError } from './errors.ts'
import { mulTs, type MulKernel } from './kernel-ts.ts'
import { createWasmKernel, type WasmKernel, type WasmKernelVariant } from './kernel-wasm.ts'

export type { ErasureCodec } from './codec.ts'
export { MAX_SHARDS } from './codec.ts'
export * from './errors.ts'

export interface ErasureCodecOptions {
  /**
   * 'auto' (default) uses the WebAssembly SIMD kernel where the runtime supports it and the
   * portable TypeScript kernel otherwise; 'wasm' and 'ts' force one (tests cross-check them).
   */
  kernel?: 'auto' | 'wasm' | 'ts'
}

// One instance per realm (page, worker, Node process): the kernel keeps no state between calls.
let wasmKernel: WasmKernel | null | undefined

function getWasmKernel(): WasmKernel | undefined {
  if (wasmKernel === undefined) wasmKernel = createWasmKernel() ?? null
  return wasmKernel ?? undefined
}

/** Whether this runtime runs the WebAssembly SIMD kernel. */
export function hasWasmKernel(): boolean {
  return getWasmKernel() !== undefined
}

/** Which build of the WebAssembly kernel this runtime uses, if any (for diagnostics). */
export function wasmKernelVariant(): WasmKernelVariant | undefined {
  return getWasmKernel()?.variant
}

/**
 * A systematic Reed–Solomon codec over GF(2^8)/0x11D with the Backblaze encoding matrix:
 * parity shards are interchangeable with those of klauspost/reedsolomon and reed-solomon-erasure.
 */
export function createErasureCodec(
  k: number,
  n: number,
  options: ErasureCodecOptions = {},
): ErasureCodec {
  const choice = options.kernel ?? 'auto'
  let kernel: MulKernel = mulTs
  if (choice !== 'ts') {
    const wasm = getWasmKernel()
    if (wasm) kernel = wasm.mul
    else if (choice === 'wasm') throw new WasmUnavailableError('WebAssembly SIMD is not available')
  }
  return createCodecWithKernel(k, n, kernel)
}
