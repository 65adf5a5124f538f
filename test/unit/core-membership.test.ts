import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/core/bytes.ts'
import {
  AnnouncementFormatError,
  decodeChallenge,
  decodeHello,
  decodeVerdict,
  deriveCoopKeys,
  encodeAnnouncement,
  HandshakeFormatError,
  InvalidCoopSecretError,
  MAX_SEALED_BYTES,
  memberProof,
  newCoopSecret,
  openAnnouncement,
  sealAnnouncement,
  SealedFormatError,
  SealedTooLargeError,
  SealOpenError,
  verifyMemberProof,
} from '../../src/core/membership/index.ts'

// test/vectors/membership/vectors.json was made with node:crypto, not with this code.
interface Vectors {
  secret: string
  topicId: string
  announceKey: string
  memberKey: string
  announcement: { peerId: string; addrs: string[]; plaintext: string; sealed: string }
  handshake: {
    dialer: string
    listener: string
    dialerNonce: string
    listenerNonce: string
    dialerProof: string
    listenerProof: string
  }
}
const v = JSON.parse(
  readFileSync(new URL('../vectors/membership/vectors.json', import.meta.url), 'utf8'),
) as Vectors

describe('co-op secret key derivation', () => {
  it('matches the vectors', () => {
    const keys = deriveCoopKeys(fromHex(v.secret))
    expect(toHex(keys.topicId)).toBe(v.topicId)
    expect(toHex(keys.announceKey)).toBe(v.announceKey)
    expect(toHex(keys.memberKey)).toBe(v.memberKey)
  })

  it('gives three different keys, and different keys for different secrets', () => {
    const a = deriveCoopKeys(newCoopSecret())
    const b = deriveCoopKeys(newCoopSecret())
    expect(new Set([a.topicId, a.announceKey, a.memberKey].map(toHex)).size).toBe(3)
    expect(toHex(a.topicId)).not.toBe(toHex(b.topicId))
  })

  it('refuses a secret of the wrong length', () => {
    expect(() => deriveCoopKeys(new Uint8Array(16))).toThrow(InvalidCoopSecretError)
  })
})

describe('sealed announcements', () => {
  const key = fromHex(v.announceKey)
  const announcement = {
    peerId: fromHex(v.announcement.peerId),
    addrs: v.announcement.addrs.map(fromHex),
  }

  it('encodes the vector plaintext and opens the vector ciphertext', async () => {
    expect(toHex(encodeAnnouncement(announcement))).toBe(v.announcement.plaintext)
    const opened = await openAnnouncement(key, fromHex(v.announcement.sealed))
    expect(toHex(opened.peerId)).toBe(v.announcement.peerId)
    expect(opened.addrs.map(toHex)).toEqual(v.announcement.addrs)
  })

  it('round-trips with a fresh nonce each time', async () => {
    const a = await sealAnnouncement(key, announcement)
    const b = await sealAnnouncement(key, announcement)
    expect(toHex(a)).not.toBe(toHex(b))
    expect(toHex((await openAnnouncement(key, b)).peerId)).toBe(v.announcement.peerId)
  })

  it('refuses every single-bit change', async () => {
    const sealed = await sealAnnouncement(key, announcement)
    for (let i = 0; i < sealed.length; i++) {
      const t = sealed.slice()
      t[i]! ^= 1 << (i % 8)
      await expect(openAnnouncement(key, t)).rejects.toThrow(
        i === 0 ? SealedFormatError : SealOpenError,
      )
    }
  })

  it('refuses the wrong key, short, oversized and truncated input', async () => {
    const sealed = await sealAnnouncement(key, announcement)
    const other = deriveCoopKeys(newCoopSecret()).announceKey
    await expect(openAnnouncement(other, sealed)).rejects.toThrow(SealOpenError)
    await expect(openAnnouncement(key, sealed.slice(0, 20))).rejects.toThrow(SealedFormatError)
    await expect(openAnnouncement(key, sealed.slice(0, -1))).rejects.toThrow(SealOpenError)
    await expect(openAnnouncement(key, new Uint8Array(MAX_SEALED_BYTES + 1))).rejects.toThrow(
      SealedTooLargeError,
    )
  })

  it('validates the plaintext strictly after opening', async () => {
    expect(() => encodeAnnouncement({ peerId: new Uint8Array(0), addrs: [] })).toThrow(
      AnnouncementFormatError,
    )
    expect(() =>
      encodeAnnouncement({
        peerId: new Uint8Array(38),
        addrs: Array.from({ length: 9 }, () => new Uint8Array(4)),
      }),
    ).toThrow(AnnouncementFormatError)
    // A key holder that seals garbage still gets it refused after opening.
    const c = new Uint8Array(fromHex(v.announcement.plaintext).length + 1)
    c.set(fromHex(v.announcement.plaintext))
    const sealed = await sealRaw(key, c)
    await expect(openAnnouncement(key, sealed)).rejects.toThrow(AnnouncementFormatError)
  })
})

describe('membership proofs', () => {
  const h = v.handshake
  const input = {
    dialer: fromHex(h.dialer),
    listener: fromHex(h.listener),
    dialerNonce: fromHex(h.dialerNonce),
    listenerNonce: fromHex(h.listenerNonce),
  }
  const key = fromHex(v.memberKey)

  it('matches the vectors for both roles', () => {
    expect(toHex(memberProof(key, 'dialer', input))).toBe(h.dialerProof)
    expect(toHex(memberProof(key, 'listener', input))).toBe(h.listenerProof)
  })

  it('refuses a proof for the other role, other peers, other nonces or another key', () => {
    const proof = fromHex(h.dialerProof)
    expect(verifyMemberProof(key, 'dialer', input, proof)).toBe(true)
    expect(verifyMemberProof(key, 'listener', input, proof)).toBe(false)
    const swapped = { ...input, dialer: input.listener, listener: input.dialer }
    expect(verifyMemberProof(key, 'dialer', swapped, proof)).toBe(false)
    const fresh = { ...input, listenerNonce: new Uint8Array(32) }
    expect(verifyMemberProof(key, 'dialer', fresh, proof)).toBe(false)
    expect(verifyMemberProof(new Uint8Array(32), 'dialer', input, proof)).toBe(false)
    expect(verifyMemberProof(key, 'dialer', input, proof.slice(1))).toBe(false)
  })

  it('decodes only well-formed messages', () => {
    expect(() => decodeHello(new Uint8Array(33))).toThrow(HandshakeFormatError)
    expect(() => decodeHello(Uint8Array.of(1))).toThrow(HandshakeFormatError)
    expect(() => decodeChallenge(new Uint8Array(64).fill(1))).toThrow(HandshakeFormatError)
    expect(() => decodeVerdict(Uint8Array.of(1, 2))).toThrow(HandshakeFormatError)
    expect(decodeVerdict(Uint8Array.of(1, 1)).accepted).toBe(true)
  })
})

async function sealRaw(key: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const { createCipheriv } = await import('node:crypto')
  const nonce = new Uint8Array(12)
  const c = createCipheriv('aes-256-gcm', key, nonce)
  c.setAAD(Buffer.from('coffer/announce/v1'))
  const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
  return new Uint8Array([1, ...nonce, ...ct])
}
