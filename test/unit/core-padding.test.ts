import { describe, expect, it } from 'vitest'
import { createErasureCodec } from '../../src/core/erasure/index.ts'
import { ShardPaddingError } from '../../src/core/errors.ts'
import { decodeStripe, encodeStripe } from '../../src/core/stripe.ts'

// FORMAT.md §4: the data shards are the ciphertext followed by zero bytes; a shard set whose
// padding is anything else is refused, so one manifest has exactly one valid shard set.

const k = 4
const n = 8
const params = {
  key: new Uint8Array(32).fill(1),
  fileId: new Uint8Array(16).fill(2),
  index: 0,
  final: true,
  k,
  n,
}

async function stripe() {
  // 1001 + 16 bytes of ciphertext make shards of 255 bytes: 3 bytes of padding in shard 3.
  const encoded = await encodeStripe({ ...params, plaintext: new Uint8Array(1001).fill(7) })
  expect(encoded.shardSize * k - encoded.length).toBe(3)
  return encoded
}

describe('stripe padding', () => {
  it('decodes the shards as written', async () => {
    const { length, shards } = await stripe()
    const plain = await decodeStripe({ ...params, length, shards: shards.map((s) => s.bytes) })
    expect(plain).toEqual(new Uint8Array(1001).fill(7))
  })

  it('refuses data shards with a non-zero padding byte', async () => {
    const { length, shards } = await stripe()
    const bytes = shards.map((s) => s.bytes.slice())
    bytes[k - 1]![bytes[k - 1]!.length - 1] = 1
    await expect(decodeStripe({ ...params, length, shards: bytes })).rejects.toThrow(
      ShardPaddingError,
    )
  })

  it('refuses a stripe whose padding is non-zero once recovered from parity', async () => {
    const { length, shards } = await stripe()
    // Parity re-made over data shards with a non-zero pad byte, then that data shard lost.
    const forged = shards.map((s) => s.bytes.slice())
    forged[k - 1]![forged[k - 1]!.length - 1] = 1
    const parity = createErasureCodec(k, n).encode(forged.slice(0, k))
    const set = [...forged.slice(0, k - 1), undefined, ...parity]
    await expect(decodeStripe({ ...params, length, shards: set })).rejects.toThrow(
      ShardPaddingError,
    )
  })
})
