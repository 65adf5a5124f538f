import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/core/bytes.ts'
import { Sha256, sha256Implementation } from '../../src/core/sha256.ts'
import { PortableSha256 } from '../../src/core/sha256-portable.ts'

interface Hasher {
  update(data: Uint8Array): unknown
  digest(): Uint8Array | Promise<Uint8Array>
}

const implementations: [string, () => Hasher][] = [
  ['WebAssembly (hash-wasm)', () => new Sha256()],
  ['portable fallback', () => new PortableSha256()],
]

describe.each(implementations)('incremental SHA-256, %s', (_name, create) => {
  it('matches the FIPS "abc" vector and the empty string', async () => {
    const abc = create()
    abc.update(new TextEncoder().encode('abc'))
    expect(toHex(await abc.digest())).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    expect(toHex(await create().digest())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('matches node:crypto for random inputs fed in random pieces', async () => {
    for (let round = 0; round < 200; round++) {
      const data = randomBytes(Math.floor(Math.random() * 1000))
      const h = create()
      let offset = 0
      while (offset < data.length) {
        const take = Math.floor(Math.random() * 130)
        h.update(data.subarray(offset, offset + take))
        offset += take
      }
      expect(toHex(await h.digest())).toBe(createHash('sha256').update(data).digest('hex'))
    }
  })
})

describe('WebAssembly SHA-256 before its instance is ready', () => {
  it('hashes bytes given early even when the caller overwrites them right after', async () => {
    const h = new Sha256()
    const buffer = new Uint8Array(4096).fill(7)
    const expected = createHash('sha256').update(buffer).update(buffer).digest('hex')
    h.update(buffer)
    buffer.fill(0)
    buffer.fill(7)
    h.update(buffer)
    buffer.fill(1)
    expect(toHex(await h.digest())).toBe(expected)
    expect(sha256Implementation()).toBe('wasm')
  })

  it('refuses updates after the digest and a second digest', async () => {
    const h = new Sha256()
    await h.digest()
    expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/)
    await expect(h.digest()).rejects.toThrow(/twice/)
  })
})
