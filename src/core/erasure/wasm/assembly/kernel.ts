// AssemblyScript source of the SIMD Reed–Solomon kernel, compiled by scripts/build-erasure-wasm.js
// into ../kernel.generated.js (`npm run build:wasm`); TypeScript never imports this file.
//
// GF(2^8) multiplication by a constant c is linear over XOR, so c·b = c·(b & 15) ^ c·(b & 0xf0):
// two 16-entry tables per coefficient, looked up sixteen bytes at a time with i8x16.swizzle.
// Output rows are computed four at a time, so each input vector is loaded and split into nibbles
// once per four rows, and the sums stay in registers until they are stored.

/**
 * outputs[r] = Σ_c coefs[r·k + c] · inputs[c] for r < rows, over `len` bytes (a multiple of 32).
 * `tables` holds 256 × 32 bytes: for each c, c·x for x < 16, then c·(x << 4) for x < 16.
 * `scratch` receives rows·k·32 bytes: the tables of this call's coefficients, in loop order.
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
  scratch: usize,
): void {
  // Layout [c][r]: the inner loops walk the tables linearly.
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < rows; r++) {
      const coef = <usize>load<u8>(coefs + <usize>(r * k + c))
      const to = scratch + ((<usize>(c * rows + r)) << 5)
      v128.store(to, v128.load(tables + (coef << 5)))
      v128.store(to, v128.load(tables + (coef << 5), 16), 16)
    }
  }
  const tableStride = (<usize>rows) << 5
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    rows4(
      inputs,
      inStride,
      k,
      outputs + <usize>r * outStride,
      outStride,
      len,
      scratch + ((<usize>r) << 5),
      tableStride,
    )
  }
  for (; r < rows; r++) {
    rows1(
      inputs,
      inStride,
      k,
      outputs + <usize>r * outStride,
      len,
      scratch + ((<usize>r) << 5),
      tableStride,
    )
  }
}

function rows4(
  inputs: usize,
  inStride: usize,
  k: i32,
  out: usize,
  outStride: usize,
  len: usize,
  tables: usize,
  tableStride: usize,
): void {
  const mask = i8x16.splat(0x0f)
  for (let p: usize = 0; p < len; p += 32) {
    let a0 = i8x16.splat(0)
    let a1 = i8x16.splat(0)
    let a2 = i8x16.splat(0)
    let a3 = i8x16.splat(0)
    let b0 = i8x16.splat(0)
    let b1 = i8x16.splat(0)
    let b2 = i8x16.splat(0)
    let b3 = i8x16.splat(0)
    let src = inputs + p
    let t = tables
    for (let c = 0; c < k; c++) {
      const x = v128.load(src)
      const y = v128.load(src, 16)
      const xl = v128.and(x, mask)
      const xh = v128.and(i16x8.shr_u(x, 4), mask)
      const yl = v128.and(y, mask)
      const yh = v128.and(i16x8.shr_u(y, 4), mask)
      let lo = v128.load(t)
      let hi = v128.load(t, 16)
      a0 = v128.xor(a0, v128.xor(lookup(lo, xl), lookup(hi, xh)))
      b0 = v128.xor(b0, v128.xor(lookup(lo, yl), lookup(hi, yh)))
      lo = v128.load(t, 32)
      hi = v128.load(t, 48)
      a1 = v128.xor(a1, v128.xor(lookup(lo, xl), lookup(hi, xh)))
      b1 = v128.xor(b1, v128.xor(lookup(lo, yl), lookup(hi, yh)))
      lo = v128.load(t, 64)
      hi = v128.load(t, 80)
      a2 = v128.xor(a2, v128.xor(lookup(lo, xl), lookup(hi, xh)))
      b2 = v128.xor(b2, v128.xor(lookup(lo, yl), lookup(hi, yh)))
      lo = v128.load(t, 96)
      hi = v128.load(t, 112)
      a3 = v128.xor(a3, v128.xor(lookup(lo, xl), lookup(hi, xh)))
      b3 = v128.xor(b3, v128.xor(lookup(lo, yl), lookup(hi, yh)))
      src += inStride
      t += tableStride
    }
    const o = out + p
    v128.store(o, a0)
    v128.store(o, b0, 16)
    v128.store(o + outStride, a1)
    v128.store(o + outStride, b1, 16)
    v128.store(o + 2 * outStride, a2)
    v128.store(o + 2 * outStride, b2, 16)
    v128.store(o + 3 * outStride, a3)
    v128.store(o + 3 * outStride, b3, 16)
  }
}

function rows1(
  inputs: usize,
  inStride: usize,
  k: i32,
  out: usize,
  len: usize,
  tables: usize,
  tableStride: usize,
): void {
  const mask = i8x16.splat(0x0f)
  for (let p: usize = 0; p < len; p += 32) {
    let a = i8x16.splat(0)
    let b = i8x16.splat(0)
    let src = inputs + p
    let t = tables
    for (let c = 0; c < k; c++) {
      const x = v128.load(src)
      const y = v128.load(src, 16)
      const lo = v128.load(t)
      const hi = v128.load(t, 16)
      a = v128.xor(
        a,
        v128.xor(lookup(lo, v128.and(x, mask)), lookup(hi, v128.and(i16x8.shr_u(x, 4), mask))),
      )
      b = v128.xor(
        b,
        v128.xor(lookup(lo, v128.and(y, mask)), lookup(hi, v128.and(i16x8.shr_u(y, 4), mask))),
      )
      src += inStride
      t += tableStride
    }
    v128.store(out + p, a)
    v128.store(out + p, b, 16)
  }
}

// The indices are always nibbles (0–15), for which the relaxed swizzle is fully specified and
// compiles to a single pshufb/tbl; the plain one adds an out-of-range fix-up on x64.
function lookup(table: v128, nibbles: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_swizzle(table, nibbles)
  return v128.swizzle(table, nibbles)
}
