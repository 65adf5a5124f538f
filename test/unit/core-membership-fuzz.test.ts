import { describe, expect, it } from 'vitest'
import {
  AnnouncementFormatError,
  decodeAnnouncement,
  decodeChallenge,
  decodeHello,
  decodeProof,
  decodeVerdict,
  deriveCoopKeys,
  HandshakeFormatError,
  newCoopSecret,
  openAnnouncement,
  SealedFormatError,
  SealedTooLargeError,
  SealOpenError,
} from '../../src/core/membership/index.ts'

// 10,000 malformed inputs per decoder of the membership protocols, fed straight to the
// decoders (the network fuzz in net-member.test.ts sends fewer through real streams): each
// either decodes or throws its own typed error, never anything else.

const RUNS = 10_000

function randomInput(rand: () => number, i: number): Uint8Array {
  const length = i % 7 === 0 ? Math.floor(rand() * 3000) : Math.floor(rand() * 120)
  const bytes = new Uint8Array(length)
  for (let j = 0; j < length; j++) bytes[j] = Math.floor(rand() * 256)
  // Often with a plausible version byte, so the checks after it are reached.
  if (i % 2 === 0 && length > 0) bytes[0] = 1
  return bytes
}

function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

describe('membership decoders under 10,000 malformed inputs each', () => {
  it.each([
    ['hello', decodeHello],
    ['challenge', decodeChallenge],
    ['proof', decodeProof],
    ['verdict', decodeVerdict],
  ] as const)('%s throws only HandshakeFormatError', (_name, decode) => {
    const rand = lcg(7)
    let refused = 0
    for (let i = 0; i < RUNS; i++) {
      try {
        decode(randomInput(rand, i))
      } catch (err) {
        expect(err).toBeInstanceOf(HandshakeFormatError)
        refused++
      }
    }
    expect(refused).toBeGreaterThan(RUNS * 0.9)
  })

  it('an announcement throws only AnnouncementFormatError', () => {
    const rand = lcg(11)
    let refused = 0
    for (let i = 0; i < RUNS; i++) {
      try {
        decodeAnnouncement(randomInput(rand, i))
      } catch (err) {
        expect(err).toBeInstanceOf(AnnouncementFormatError)
        refused++
      }
    }
    expect(refused).toBe(RUNS)
  })

  it('a sealed announcement never opens without the key, and fails with a sealed-format error', async () => {
    const { announceKey } = deriveCoopKeys(newCoopSecret())
    const rand = lcg(13)
    for (let i = 0; i < RUNS; i++) {
      const input = randomInput(rand, i)
      const err = await openAnnouncement(announceKey, input).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(
        err instanceof SealedFormatError ||
          err instanceof SealedTooLargeError ||
          err instanceof SealOpenError,
      ).toBe(true)
    }
  })
})
