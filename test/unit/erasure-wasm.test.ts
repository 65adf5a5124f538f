import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { compileKernel } from '../../scripts/build-erasure-wasm.js'
import { hasWasmKernel, wasmKernelVariant } from '../../src/core/erasure/index.ts'
import { kernelRelaxedWasmBytes, kernelWasmBytes } from '../../src/core/erasure/kernel-wasm.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

// Runs in a child Node with relaxed SIMD switched on (Node 20 ships it behind a flag), so that the
// build Chromium actually uses is checked against the portable kernel here too.
const RELAXED_CHECK = `
const { createWasmKernel } = await import(process.env.KERNEL_URL)
const { mulTs } = await import(process.env.TS_URL)
const kernel = createWasmKernel(['relaxed-simd'])
if (!kernel) {
  console.log(JSON.stringify({ variant: 'unavailable', cases: 0, mismatches: 0 }))
} else {
  let seed = 12345
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 255
  let mismatches = 0
  let cases = 0
  for (let round = 0; round < 60; round++) {
    const k = 1 + (rnd() % 24)
    const rows = 1 + (rnd() % 24)
    const len = round % 10 === 0 ? 32768 + rnd() * 40 : 1 + rnd() * 7
    const coefs = Uint8Array.from({ length: k * rows }, rnd)
    const inputs = Array.from({ length: k }, () => Uint8Array.from({ length: len }, rnd))
    const a = Array.from({ length: rows }, () => new Uint8Array(len))
    const b = Array.from({ length: rows }, () => new Uint8Array(len))
    kernel.mul(coefs, inputs, a, len)
    mulTs(coefs, inputs, b, len)
    cases++
    if (a.some((x, i) => Buffer.compare(x, b[i]) !== 0)) mismatches++
  }
  console.log(JSON.stringify({ variant: kernel.variant, cases, mismatches }))
}
`

describe('generated WebAssembly kernel', () => {
  it('matches a fresh compilation of its AssemblyScript source (both builds)', async () => {
    // If this fails, the source changed without `npm run build:wasm` (or the generated file was edited).
    expect(hex(kernelWasmBytes)).toBe(hex(await compileKernel()))
    expect(hex(kernelRelaxedWasmBytes)).toBe(hex(await compileKernel({ relaxed: true })))
  })

  it('stays small enough to compile synchronously on a browser main thread', () => {
    // Chromium has refused synchronous `new WebAssembly.Module` above 4 KiB on the main thread.
    expect(kernelWasmBytes.length).toBeLessThanOrEqual(4096)
    expect(kernelRelaxedWasmBytes.length).toBeLessThanOrEqual(4096)
  })

  it('runs in Node (which the tests rely on to cover the SIMD path)', () => {
    expect(hasWasmKernel()).toBe(true)
    // Node 20 has no relaxed SIMD by default, so the other tests exercise the plain SIMD build.
    expect(wasmKernelVariant()).toBe('simd')
  })

  it('relaxed-SIMD build (the one Chromium picks) agrees with the portable kernel', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--experimental-wasm-relaxed-simd',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        RELAXED_CHECK,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          KERNEL_URL: new URL('../../src/core/erasure/kernel-wasm.ts', import.meta.url).href,
          TS_URL: new URL('../../src/core/erasure/kernel-ts.ts', import.meta.url).href,
        },
      },
    )
    expect(JSON.parse(out.trim().split('\n').pop() ?? '')).toEqual({
      variant: 'relaxed-simd',
      cases: 60,
      mismatches: 0,
    })
  })
})
