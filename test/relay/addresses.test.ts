import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { rawUpgrade, type RawWebSocket } from './raw-ws.ts'
import { reserved, startMember, until, type Member } from './member.ts'

/** Opens `n` upgrades, returning those the relay accepted. */
async function open(
  port: number,
  n: number,
  localAddress: string,
  headers?: Record<string, string>,
): Promise<RawWebSocket[]> {
  const results = await Promise.allSettled(
    Array.from({ length: n }, async () => rawUpgrade(port, { localAddress, headers })),
  )
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
}

describe('relay: client addresses behind a trusted proxy', () => {
  let relay: RelayProcess
  const sockets: RawWebSocket[] = []
  beforeAll(async () => {
    relay = await spawnRelay({
      args: ['--trusted-proxy', '127.0.20.1', '--max-connections-per-ip', '3'],
    })
  })
  afterAll(async () => {
    for (const s of sockets) s.socket.destroy()
    await relay.stop()
  })

  it('counts each forwarded client on its own when the TCP peer is the trusted proxy', async () => {
    // Three clients behind the proxy, each opening more than its share.
    for (const client of ['203.0.113.1', '203.0.113.2', '2001:db8::5']) {
      const got = await open(relay.port, 5, '127.0.20.1', { 'X-Forwarded-For': client })
      expect(got.length).toBe(3)
      sockets.push(...got)
    }
    // A client cannot pick its own address by putting one in front of the proxy's entry.
    const spoofed = await open(relay.port, 5, '127.0.20.1', {
      'X-Forwarded-For': '198.51.100.9, 203.0.113.1',
    })
    expect(spoofed.length).toBe(0)
    expect((await relay.health()).clientIps).toBe(3)
  })

  it('ignores X-Forwarded-For from any other peer', async () => {
    const forged = await open(relay.port, 5, '127.0.21.1', { 'X-Forwarded-For': '192.0.2.77' })
    const forged2 = await open(relay.port, 5, '127.0.21.1', { 'X-Forwarded-For': '192.0.2.78' })
    // Both lots count against the real TCP peer, 127.0.21.1: three in all.
    expect(forged.length + forged2.length).toBe(3)
    sockets.push(...forged, ...forged2)
    expect((await relay.health()).clientIps).toBe(4)
  })
})

describe('relay: reservations per client IP', () => {
  let relay: RelayProcess
  const members: Member[] = []
  beforeAll(async () => {
    relay = await spawnRelay({
      args: ['--max-reservations-per-ip', '3', '--trusted-proxy', '127.0.22.9'],
    })
  })
  afterAll(async () => {
    await Promise.all(members.map(async (m) => m.stop()))
    await relay.stop()
  })

  it('grants one address no more than its share, and others still reserve', async () => {
    for (let i = 0; i < 5; i++)
      members.push(await startMember(relay.multiaddr, { localAddress: '127.0.22.1' }))
    const elsewhere = await startMember(relay.multiaddr, { localAddress: '127.0.22.2' })
    members.push(elsewhere)
    await reserved(elsewhere)
    const holds = (m: Member): boolean =>
      m.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))
    await until(() => members.slice(0, 5).filter(holds).length === 3, 30_000, 'three reservations')
    const health = await relay.health()
    expect(health.reservations).toBe(4)
    expect((health.refusals as Record<string, number>)['reservations-per-ip']).toBeGreaterThan(0)
  })

  it('applies the share to the forwarded address of members behind the trusted proxy', async () => {
    const behind = (client: string): Promise<Member> =>
      startMember(relay.multiaddr, {
        localAddress: '127.0.22.9',
        headers: { 'X-Forwarded-For': client },
      })
    // Four members from the proxy's own address would get three; as two clients, all four.
    const proxied = [
      await behind('203.0.113.50'),
      await behind('203.0.113.50'),
      await behind('203.0.113.51'),
      await behind('203.0.113.51'),
    ]
    members.push(...proxied)
    await Promise.all(proxied.map((m) => reserved(m)))
    expect((await relay.health()).reservations).toBe(8)
  })
})
