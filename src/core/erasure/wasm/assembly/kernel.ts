// AssemblyScript source of the SIMD Reed–Solomon kernel (compiled by scripts/build-erasure-wasm.js
// into ../kernel.generated.js; never imported by TypeScript directly).
//
// GF(2^8) multiplication by a constant c is linear over XOR, so c·b = c·(b & 15) ^ c·(b & 0xf0):
// two 16-entry tables per coefficient, looked up sixteen bytes at a time with i8x16.swizzle.

// Output rows are computed in blocks of this many bytes, small enough that the inputs' blocks
// stay in L1 while every coefficient of a row is applied.
const BLOCK: usize = 2048

/**
 * outputs[r] = Σ_c coefs[r·k + c] · inputs[c] for r < rows, over `len` bytes (a multiple of 64).
 * `tables` holds 256 × 32 bytes: for each c, c·x for x < 16, then c·(x << 4) for x < 16.
 */
export function mulRows(
  tables: usize,
  coefs: usize,
  inputs: usize,
  inStride: usize,
  k: i32,
  outputs: usize,
  outStride: usize,
  rows: i32,
  len: usize,
): void {
  const mask = i8x16.splat(0x0f)
  for (let start: usize = 0; start < len; start += BLOCK) {
    const end = min(start + BLOCK, len)
    for (let r = 0; r < rows; r++) {
      const out = outputs + <usize>r * outStride
      for (let c = 0; c < k; c++) {
        const coef = <usize>load<u8>(coefs + <usize>(r * k + c))
        const src = inputs + <usize>c * inStride
        const lo = v128.load(tables + (coef << 5))
        const hi = v128.load(tables + (coef << 5), 16)
        if (c == 0) {
          for (let i = start; i < end; i += 32) {
            const x0 = v128.load(src + i)
            const x1 = v128.load(src + i, 16)
            v128.store(
              out + i,
              v128.xor(
                v128.swizzle(lo, v128.and(x0, mask)),
                v128.swizzle(hi, v128.and(i16x8.shr_u(x0, 4), mask)),
              ),
            )
            v128.store(
              out + i,
              v128.xor(
                v128.swizzle(lo, v128.and(x1, mask)),
                v128.swizzle(hi, v128.and(i16x8.shr_u(x1, 4), mask)),
              ),
              16,
            )
          }
        } else {
          for (let i = start; i < end; i += 32) {
            const x0 = v128.load(src + i)
            const x1 = v128.load(src + i, 16)
            const y0 = v128.load(out + i)
            const y1 = v128.load(out + i, 16)
            v128.store(
              out + i,
              v128.xor(
                y0,
                v128.xor(
                  v128.swizzle(lo, v128.and(x0, mask)),
                  v128.swizzle(hi, v128.and(i16x8.shr_u(x0, 4), mask)),
                ),
              ),
            )
            v128.store(
              out + i,
              v128.xor(
                y1,
                v128.xor(
                  v128.swizzle(lo, v128.and(x1, mask)),
                  v128.swizzle(hi, v128.and(i16x8.shr_u(x1, 4), mask)),
                ),
              ),
              16,
            )
          }
        }
      }
    }
  }
}
