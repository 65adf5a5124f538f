import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { reserved, startMember, until, type Member } from './member.ts'

const SINK = '/coffer-test/sink/1.0.0'
const LIMIT = 64 * 1024

describe('relay: relayed connections are limited', () => {
  let relay: RelayProcess
  let a: Member
  let b: Member
  let received = 0
  let ended = false
  beforeAll(async () => {
    relay = await spawnRelay({ args: ['--relay-data-limit', String(LIMIT)] })
    a = await startMember(relay.multiaddr, { localAddress: '127.0.30.1' })
    b = await startMember(relay.multiaddr, { localAddress: '127.0.30.2' })
    await Promise.all([reserved(a), reserved(b)])
    await b.handle(
      SINK,
      async (stream) => {
        try {
          for await (const chunk of stream) received += chunk.byteLength
        } catch {
          // The relay resetting the circuit at its limit is what this test expects.
        }
        ended = true
      },
      { runOnLimitedConnection: true },
    )
  })
  afterAll(async () => {
    await Promise.all([a, b].map(async (m) => m.stop()))
    await relay.stop()
  })

  it(`cuts a relayed connection after --relay-data-limit bytes (${LIMIT})`, async () => {
    const circuit = multiaddr(`${relay.multiaddr}/p2p-circuit/p2p/${b.peerId.toString()}`)
    const conn = await a.dial(circuit)
    expect(conn.limits).toBeDefined()
    const stream = await conn.newStream(SINK, { runOnLimitedConnection: true })
    const chunk = new Uint8Array(16 * 1024)
    let sent = 0
    try {
      while (sent < 1024 * 1024 && stream.status === 'open') {
        if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
        sent += chunk.byteLength
      }
    } catch {
      // Sending fails once the relay has reset the circuit.
    }
    await until(() => ended, 30_000, 'the relayed stream ended')
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThanOrEqual(LIMIT)
    expect(received).toBeLessThan(sent)
    // The members themselves keep their reservations.
    expect(relay.alive()).toBe(true)
    expect((await relay.health()).reservations).toBe(2)
  })
})
