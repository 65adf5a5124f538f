import { MUL_TABLE } from './gf256.ts'

/**
 * Computes outputs[r] = Σ_c coefs[r·k + c] · inputs[c] over GF(2^8) for the first `len` bytes,
 * where k = inputs.length and r < outputs.length. Outputs are overwritten.
 */
export type MulKernel = (
  coefs: Uint8Array,
  inputs: readonly Uint8Array[],
  outputs: readonly Uint8Array[],
  len: number,
) => void

/** Portable kernel: one 256-byte product-table row per coefficient. Correct everywhere, slow. */
export const mulTs: MulKernel = (coefs, inputs, outputs, len) => {
  const k = inputs.length
  for (let r = 0; r < outputs.length; r++) {
    const out = outputs[r]!
    out.fill(0, 0, len)
    for (let c = 0; c < k; c++) {
      const coef = coefs[r * k + c]!
      if (coef === 0) continue
      const src = inputs[c]!
      if (coef === 1) {
        for (let i = 0; i < len; i++) out[i]! ^= src[i]!
        continue
      }
      const row = MUL_TABLE.subarray(coef * 256, coef * 256 + 256)
      for (let i = 0; i < len; i++) out[i]! ^= row[src[i]!]!
    }
  }
}
