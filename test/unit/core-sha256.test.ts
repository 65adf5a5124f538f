import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/core/bytes.ts'
import { Sha256 } from '../../src/core/sha256.ts'

describe('incremental SHA-256', () => {
  it('matches the FIPS "abc" vector and the empty string', () => {
    expect(toHex(new Sha256().update(new TextEncoder().encode('abc')).digest())).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(toHex(new Sha256().digest())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('matches node:crypto for random inputs fed in random pieces', () => {
    for (let round = 0; round < 200; round++) {
      const data = randomBytes(Math.floor(Math.random() * 1000))
      const h = new Sha256()
      let offset = 0
      while (offset < data.length) {
        const take = Math.floor(Math.random() * 130)
        h.update(data.subarray(offset, offset + take))
        offset += take
      }
      expect(toHex(h.digest())).toBe(createHash('sha256').update(data).digest('hex'))
    }
  })
})
