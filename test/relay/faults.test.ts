import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { frame, rawUpgrade, type RawWebSocket, INVALID_FRAMES } from './raw-ws.ts'
import { reserved, startMember, until, type Member } from './member.ts'

/** A circuit relay v2 HOP RESERVE request: length 2, field 1 (type) = 0 (RESERVE). */
const RESERVE = Uint8Array.from([0x02, 0x08, 0x00])

/** Reads from a stream until it ends or `ms` pass; returns the bytes read. */
async function readSome(stream: Stream, ms: number): Promise<number> {
  let n = 0
  const timer = setTimeout(() => stream.abort(new Error('read timed out')), ms)
  try {
    for await (const chunk of stream) n += chunk.byteLength
  } catch {
    // The relay resetting the stream is an answer too; the byte count is what is checked.
  } finally {
    clearTimeout(timer)
  }
  return n
}

/** The honest member still holds its reservation and the relay still answers. */
async function honestStillServed(relay: RelayProcess, honest: Member): Promise<void> {
  expect(relay.alive()).toBe(true)
  expect((await relay.health()).ok).toBe(true)
  expect(honest.getConnections(peerIdFromString(relay.peerId)).length).toBeGreaterThan(0)
  expect(honest.getMultiaddrs().some((m) => m.toString().includes('/p2p-circuit'))).toBe(true)
}

describe('relay: floods and hostile clients', () => {
  let relay: RelayProcess
  let honest: Member
  const others: Member[] = []
  beforeAll(async () => {
    relay = await spawnRelay({
      args: [
        '--handshake-timeout',
        '2',
        '--idle-timeout',
        '3',
        '--max-reservations',
        '20',
        // So that the per-IP socket cap, not libp2p's rate limit, meets the socket flood.
        '--connection-rate-per-ip',
        '1000',
      ],
    })
    honest = await startMember(relay.multiaddr, { localAddress: '127.0.1.1' })
    await reserved(honest)
  })
  afterAll(async () => {
    await Promise.all([honest, ...others].map(async (m) => m.stop()))
    await relay.stop()
  })

  it('survives every invalid frame kind from many sockets at once, memory bounded', async () => {
    const before = await relay.rssMiB()
    const sockets: RawWebSocket[] = []
    for (let round = 0; round < 5; round++) {
      for (const [, bytes] of INVALID_FRAMES) {
        const ws = await rawUpgrade(relay.port, { localAddress: '127.0.2.1' })
        ws.socket.write(bytes)
        sockets.push(ws)
      }
    }
    await Promise.all(sockets.map((s) => s.closed))
    await honestStillServed(relay, honest)
    expect(await relay.rssMiB()).toBeLessThan(before + 64)
  })

  it('closes sockets that announce or send oversized frames, and releases their memory', async () => {
    const before = await relay.rssMiB()
    const sockets: RawWebSocket[] = []
    for (let i = 0; i < 8; i++) {
      const ws = await rawUpgrade(relay.port, { localAddress: '127.0.2.2' })
      // A 96 MiB frame that never finishes: the header alone is over the payload limit.
      ws.socket.write(frame(0x82, new Uint8Array(0), { length: 96n * 1024n * 1024n }))
      ws.socket.write(Buffer.alloc(1024 * 1024))
      sockets.push(ws)
    }
    // Many frames just under 64 KiB each: a valid size, an invalid libp2p handshake.
    const chatty = await rawUpgrade(relay.port, { localAddress: '127.0.2.2' })
    for (let i = 0; i < 64; i++) chatty.socket.write(frame(0x82, new Uint8Array(60_000)))
    sockets.push(chatty)
    await Promise.all(sockets.map((s) => s.closed))
    await honestStillServed(relay, honest)
    expect(await relay.rssMiB()).toBeLessThan(before + 64)
  })

  it('caps sockets per client IP and closes those that never finish a handshake', async () => {
    const held: RawWebSocket[] = []
    await Promise.all(
      Array.from({ length: 260 }, async () => {
        try {
          held.push(await rawUpgrade(relay.port, { localAddress: '127.0.3.1' }))
        } catch {
          // Refused with 429 once the address holds its share: what is being tested.
        }
      }),
    )
    // Every other open socket is a member on an address of its own.
    const members = 1 + others.length
    const health = await relay.health()
    expect(health.sockets).toBeLessThanOrEqual(128 + members)
    expect((health.refusals as Record<string, number>)['connections-per-ip']).toBeGreaterThan(0)
    // Meanwhile 14 newcomers from elsewhere all get a reservation.
    const newcomers = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        startMember(relay.multiaddr, { localAddress: `127.0.4.${i + 1}` }),
      ),
    )
    others.push(...newcomers)
    await Promise.all(newcomers.map((m) => reserved(m)))
    // The silent sockets never speak noise: the handshake timeout closes every one.
    await Promise.all(held.map((s) => s.closed))
    await Promise.all(newcomers.map(async (m) => m.stop()))
    await honestStillServed(relay, honest)
  })

  it('closes a connection that finished its handshake but never reserves', async () => {
    const idle = await startMember(relay.multiaddr, { localAddress: '127.0.9.1', reserve: false })
    others.push(idle)
    const relayId = peerIdFromString(relay.peerId)
    expect(idle.getConnections(relayId).length).toBe(1)
    await until(
      () => idle.getConnections(relayId).length === 0,
      20_000,
      'the idle connection closed',
    )
    expect(((await relay.health()).refusals as Record<string, number>).idle).toBeGreaterThan(0)
    await honestStillServed(relay, honest)
  })

  it('frees the reservations of peers that leave, so the next members get one', async () => {
    // 19 more than the honest member: the relay's 20 are full.
    const leavers = await Promise.all(
      Array.from({ length: 19 }, (_, i) =>
        startMember(relay.multiaddr, { localAddress: `127.0.5.${i + 1}` }),
      ),
    )
    await Promise.all(leavers.map((m) => reserved(m)))
    expect((await relay.health()).reservations).toBe(20)
    await Promise.all(leavers.map(async (m) => m.stop()))
    const next = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        startMember(relay.multiaddr, { localAddress: `127.0.6.${i + 1}` }),
      ),
    )
    others.push(...next)
    await Promise.all(next.map((m) => reserved(m)))
    await honestStillServed(relay, honest)
  })

  it('answers repeated and silent RESERVE requests without growing', async () => {
    const rogue = await startMember(relay.multiaddr, { localAddress: '127.0.7.1' })
    others.push(rogue)
    const conn = rogue.getConnections(peerIdFromString(relay.peerId))[0]
    if (conn === undefined) throw new Error('rogue has no relay connection')
    const before = (await relay.health()).reservations as number
    for (let i = 0; i < 30; i++) {
      const s = await conn.newStream(RELAY_V2_HOP_CODEC)
      s.send(RESERVE)
      expect(await readSome(s, 5000)).toBeGreaterThan(0)
    }
    // Silent: open HOP streams and say nothing; the relay's hop timeout or stream limit ends them.
    const silent = await Promise.all(
      Array.from({ length: 20 }, async () =>
        conn.newStream(RELAY_V2_HOP_CODEC).catch(() => undefined),
      ),
    )
    for (const s of silent) s?.abort(new Error('done'))
    expect((await relay.health()).reservations).toBeLessThanOrEqual(before + 1)
    await honestStillServed(relay, honest)
  })

  it('survives stream floods, unknown protocols and HOP CONNECT floods', async () => {
    const rogue = await startMember(relay.multiaddr, { localAddress: '127.0.8.1' })
    others.push(rogue)
    const conn = rogue.getConnections(peerIdFromString(relay.peerId))[0]
    if (conn === undefined) throw new Error('rogue has no relay connection')
    const unknown = await Promise.allSettled(
      Array.from({ length: 50 }, async () => conn.newStream('/not/a/protocol/1.0.0')),
    )
    expect(unknown.every((r) => r.status === 'rejected')).toBe(true)
    const streams = await Promise.allSettled(
      Array.from({ length: 300 }, async () => conn.newStream('/ipfs/ping/1.0.0')),
    )
    for (const r of streams) if (r.status === 'fulfilled') r.value.abort(new Error('done'))
    const targets = await Promise.all(
      Array.from({ length: 100 }, async () =>
        peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
      ),
    )
    const dials = await Promise.allSettled(
      targets.map(async (t) =>
        rogue.dial(multiaddr(`${relay.multiaddr}/p2p-circuit/p2p/${t.toString()}`)),
      ),
    )
    expect(dials.every((d) => d.status === 'rejected')).toBe(true)
    await honestStillServed(relay, honest)
  })
})
