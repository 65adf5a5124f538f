import { describe, expect, it } from 'vitest'
import { compileKernel } from '../../scripts/build-erasure-wasm.js'
import { hasWasmKernel } from '../../src/core/erasure/index.ts'
import { kernelWasmBytes } from '../../src/core/erasure/kernel-wasm.ts'

describe('generated WebAssembly kernel', () => {
  it('matches a fresh compilation of its AssemblyScript source', async () => {
    // If this fails, the source changed without `npm run build:wasm` (or the generated file was edited).
    const fresh = await compileKernel()
    expect(Buffer.from(kernelWasmBytes).toString('hex')).toBe(Buffer.from(fresh).toString('hex'))
  })

  it('stays small enough to compile synchronously on a browser main thread', () => {
    // Chromium has refused synchronous `new WebAssembly.Module` above 4 KiB on the main thread.
    expect(kernelWasmBytes.length).toBeLessThanOrEqual(4096)
  })

  it('runs in Node (which the tests rely on to cover the SIMD path)', () => {
    expect(hasWasmKernel()).toBe(true)
  })
})
