import { afterAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { reserved, startMember, until, type Member } from './member.ts'

const MEMBERS = 30

/** Dials the relay until a connection holds, as the app's keep-connected loop does. */
async function redial(member: Member, relay: string): Promise<void> {
  const id = peerIdFromString(relay.split('/p2p/')[1] ?? '')
  const end = Date.now() + 60_000
  while (member.getConnections(id).length === 0) {
    if (Date.now() > end) throw new Error('could not reconnect to the relay')
    await member.dial(multiaddr(relay)).catch(async () => new Promise((r) => setTimeout(r, 500)))
  }
}

describe('relay: SIGTERM with every member connected, then a restart', () => {
  const members: Member[] = []
  let dataDir: string
  let relay: RelayProcess | undefined
  afterAll(async () => {
    await Promise.all(members.map(async (m) => m.stop()))
    await relay?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it(`exits 0 on SIGTERM with ${MEMBERS} members, and all of them reserve again after a restart`, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-relay-restart-'))
    const first = await spawnRelay({ dataDir })
    relay = first
    for (let i = 0; i < MEMBERS; i++) {
      members.push(await startMember(first.multiaddr, { localAddress: `127.0.10.${i + 1}` }))
    }
    await Promise.all(members.map((m) => reserved(m)))
    expect((await first.health()).reservations).toBe(MEMBERS)

    expect(await first.stop()).toBe(0)
    const relayId = peerIdFromString(first.peerId)
    await until(
      () => members.every((m) => m.getConnections(relayId).length === 0),
      30_000,
      'members see the relay gone',
    )

    const second = await spawnRelay({ dataDir, port: first.port })
    relay = second
    expect(second.peerId).toBe(first.peerId)
    expect(second.multiaddr).toBe(first.multiaddr)
    await Promise.all(members.map(async (m) => redial(m, second.multiaddr)))
    await Promise.all(members.map((m) => reserved(m, 60_000)))
    expect((await second.health()).reservations).toBe(MEMBERS)
  })
})
