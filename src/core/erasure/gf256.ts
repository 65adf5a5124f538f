/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2,
 * the field of the Backblaze / klauspost / reed-solomon-erasure family of codecs.
 */

export const POLYNOMIAL = 0x11d

/** EXP[i] = 2^i; doubled in length so that EXP[LOG[a] + LOG[b]] needs no modulo. */
export const EXP = new Uint8Array(510)
/** LOG[a] for a ≠ 0; LOG[0] is unused. */
export const LOG = new Uint8Array(256)

{
  let x = 1
  for (let i = 0; i < 255; i++) {
    EXP[i] = x
    EXP[i + 255] = x
    LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= POLYNOMIAL
  }
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0
  return EXP[LOG[a]! + LOG[b]!]!
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('zero has no inverse in GF(2^8)')
  return EXP[255 - LOG[a]!]!
}

/** a^e with 0^0 = 1, as the Vandermonde construction requires. */
export function gfPow(a: number, e: number): number {
  if (e === 0) return 1
  if (a === 0) return 0
  return EXP[(LOG[a]! * e) % 255]!
}

/** Full 256×256 product table: row c (offset c·256) maps x to c·x. Used by the portable kernel. */
export const MUL_TABLE: Uint8Array = (() => {
  const t = new Uint8Array(256 * 256)
  for (let c = 1; c < 256; c++) {
    for (let x = 1; x < 256; x++) t[c * 256 + x] = EXP[LOG[c]! + LOG[x]!]!
  }
  return t
})()

/**
 * Split-nibble tables for SIMD shuffles: for each c, 16 bytes c·x (x < 16) followed by
 * 16 bytes c·(x << 4), so c·b = low[b & 15] ^ high[b >> 4].
 */
export const NIBBLE_TABLES: Uint8Array = (() => {
  const t = new Uint8Array(256 * 32)
  for (let c = 0; c < 256; c++) {
    for (let x = 0; x < 16; x++) {
      t[c * 32 + x] = gfMul(c, x)
      t[c * 32 + 16 + x] = gfMul(c, x << 4)
    }
  }
  return t
})()
