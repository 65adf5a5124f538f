// The fallback for runtimes that refuse WebAssembly (a CSP without 'wasm-unsafe-eval', say):
// a plain FIPS 180-4 SHA-256 in JavaScript, about half the speed of the WebAssembly one.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

export class PortableSha256 {
  private readonly state = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  private readonly w = new Int32Array(64)
  private readonly block = new Uint8Array(64)
  private blockLength = 0
  private total = 0
  private done = false

  update(data: Uint8Array): this {
    if (this.done) throw new Error('PortableSha256: update after digest')
    this.total += data.length
    let offset = 0
    if (this.blockLength > 0) {
      const take = Math.min(64 - this.blockLength, data.length)
      this.block.set(data.subarray(0, take), this.blockLength)
      this.blockLength += take
      offset = take
      if (this.blockLength < 64) return this
      this.compress(this.block, 0)
      this.blockLength = 0
    }
    const whole = offset + Math.floor((data.length - offset) / 64) * 64
    if (whole > offset) {
      this.compress(data, offset, whole)
      offset = whole
    }
    if (offset < data.length) {
      this.block.set(data.subarray(offset))
      this.blockLength = data.length - offset
    }
    return this
  }

  digest(): Uint8Array {
    if (this.done) throw new Error('PortableSha256: digest called twice')
    const bitLength = this.total * 8
    const padLength = this.blockLength < 56 ? 56 - this.blockLength : 120 - this.blockLength
    const pad = new Uint8Array(padLength + 8)
    pad[0] = 0x80
    const view = new DataView(pad.buffer)
    view.setUint32(padLength, Math.floor(bitLength / 0x100000000))
    view.setUint32(padLength + 4, bitLength >>> 0)
    this.update(pad)
    this.done = true
    const out = new Uint8Array(32)
    const outView = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) outView.setUint32(4 * i, this.state[i]!)
    return out
  }

  private compress(data: Uint8Array, offset: number, end = offset + 64): void {
    compressBlocks(this.state, this.w, data, offset, end)
  }
}

/** Compresses the 64-byte blocks of data[offset, end); state lives in locals across blocks. */
function compressBlocks(
  s: Int32Array,
  w: Int32Array,
  data: Uint8Array,
  offset: number,
  end: number,
): void {
  let h0 = s[0]!
  let h1 = s[1]!
  let h2 = s[2]!
  let h3 = s[3]!
  let h4 = s[4]!
  let h5 = s[5]!
  let h6 = s[6]!
  let h7 = s[7]!
  for (let base = offset; base < end; base += 64) {
    for (let i = 0; i < 16; i++) {
      const j = base + 4 * i
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!
      const b = w[i - 2]!
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    let a = h0
    let b = h1
    let c = h2
    let d = h3
    let e = h4
    let f = h5
    let g = h6
    let h = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + h) | 0
  }
  s[0] = h0
  s[1] = h1
  s[2] = h2
  s[3] = h3
  s[4] = h4
  s[5] = h5
  s[6] = h6
  s[7] = h7
}
