import { gfInv, gfMul, gfPow } from './gf256.ts'

/** A dense matrix over GF(2^8), row-major, `rows × cols` bytes. */
export interface Matrix {
  readonly rows: number
  readonly cols: number
  readonly data: Uint8Array
}

export function vandermonde(rows: number, cols: number): Matrix {
  const data = new Uint8Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = gfPow(r, c)
  }
  return { rows, cols, data }
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError('matrix shapes do not match')
  const data = new Uint8Array(a.rows * b.cols)
  for (let r = 0; r < a.rows; r++) {
    for (let c = 0; c < b.cols; c++) {
      let acc = 0
      for (let i = 0; i < a.cols; i++) {
        acc ^= gfMul(a.data[r * a.cols + i]!, b.data[i * b.cols + c]!)
      }
      data[r * b.cols + c] = acc
    }
  }
  return { rows: a.rows, cols: b.cols, data }
}

/** The square matrix made of the given rows of `m`, in that order. */
export function pickRows(m: Matrix, rows: readonly number[]): Matrix {
  const data = new Uint8Array(rows.length * m.cols)
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols))
  return { rows: rows.length, cols: m.cols, data }
}

/** Gauss–Jordan inversion; throws if `m` is singular (never for rows of an MDS encoding matrix). */
export function invert(m: Matrix): Matrix {
  const n = m.rows
  if (m.cols !== n) throw new RangeError('only square matrices can be inverted')
  const w = 2 * n
  const a = new Uint8Array(n * w)
  for (let r = 0; r < n; r++) {
    a.set(m.data.subarray(r * n, (r + 1) * n), r * w)
    a[r * w + n + r] = 1
  }
  for (let col = 0; col < n; col++) {
    let pivot = col
    while (pivot < n && a[pivot * w + col] === 0) pivot++
    if (pivot === n) throw new RangeError('matrix is singular')
    if (pivot !== col) {
      const tmp = a.slice(col * w, (col + 1) * w)
      a.copyWithin(col * w, pivot * w, (pivot + 1) * w)
      a.set(tmp, pivot * w)
    }
    const scale = gfInv(a[col * w + col]!)
    for (let c = 0; c < w; c++) a[col * w + c] = gfMul(a[col * w + c]!, scale)
    for (let r = 0; r < n; r++) {
      const f = a[r * w + col]!
      if (r === col || f === 0) continue
      for (let c = 0; c < w; c++) a[r * w + c]! ^= gfMul(f, a[col * w + c]!)
    }
  }
  const data = new Uint8Array(n * n)
  for (let r = 0; r < n; r++) data.set(a.subarray(r * w + n, (r + 1) * w), r * n)
  return { rows: n, cols: n, data }
}

/**
 * The Backblaze construction: the n×k Vandermonde matrix times the inverse of its top k×k
 * square, so the first k rows are the identity (a systematic code) and any k rows are invertible.
 */
export function encodingMatrix(k: number, n: number): Matrix {
  const v = vandermonde(n, k)
  const top = pickRows(
    v,
    Array.from({ length: k }, (_, i) => i),
  )
  return multiply(v, invert(top))
}
