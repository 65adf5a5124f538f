import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toString as u8ToString, fromString as u8FromString } from 'uint8arrays'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { reserved, startMember, until, type Member } from './member.ts'
import { DISCOVERY_TOPIC_PREFIX } from '../../relay/constants.ts'

const MEMBERS = 30

/** Every member publishes once on `topic`; returns how many (sender, receiver) pairs got it. */
async function publishRound(members: Member[], topic: string): Promise<number> {
  const got = members.map(() => new Set<string>())
  members.forEach((m, i) => {
    m.services.pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic === topic) got[i]?.add(u8ToString(evt.detail.data))
    })
  })
  // Ready once each member's mesh holds the relay: the relay grafted it or took its GRAFT.
  const meshed = members.map(() => false)
  members.forEach((m, i) => {
    m.services.pubsub.addEventListener('gossipsub:graft', (evt) => {
      if (evt.detail.topic === topic) meshed[i] = true
    })
    m.services.pubsub.addEventListener('gossipsub:prune', (evt) => {
      if (evt.detail.topic === topic) meshed[i] = false
    })
  })
  for (const m of members) m.services.pubsub.subscribe(topic)
  await until(() => meshed.every(Boolean), 60_000, 'every member meshed with the relay')
  await Promise.all(
    members.map((m, i) => m.services.pubsub.publish(topic, u8FromString(`member ${i}`))),
  )
  const expected = members.length * (members.length - 1)
  const delivered = (): number => got.reduce((n, s) => n + s.size, 0)
  await until(() => delivered() >= expected, 30_000, 'every message delivered').catch(() => {
    // Counted below: the assertion reports how many arrived.
  })
  return delivered()
}

describe('relay: discovery with many members', () => {
  let relay: RelayProcess
  const members: Member[] = []
  beforeAll(async () => {
    relay = await spawnRelay()
  })
  afterAll(async () => {
    await Promise.all(members.map(async (m) => m.stop()))
    await relay.stop()
  })

  /** Starts `MEMBERS` members, each from `source(i)` (the stock transport when undefined). */
  async function startGroup(source: (i: number) => string | undefined): Promise<Member[]> {
    const group: Member[] = []
    for (let i = 0; i < MEMBERS; i++) {
      const m = await startMember(relay.multiaddr, { localAddress: source(i) })
      group.push(m)
      members.push(m)
    }
    await Promise.all(group.map((m) => reserved(m)))
    return group
  }

  it(`delivers every discovery message among ${MEMBERS} members on distinct addresses`, async () => {
    const group = await startGroup((i) => `127.0.${1 + (i >> 4)}.${2 + (i & 15)}`)
    // The relay sees each member's own address, not one loopback forwarder.
    expect((await relay.health()).clientIps).toBe(MEMBERS)
    const delivered = await publishRound(group, `${DISCOVERY_TOPIC_PREFIX}distinct-hosts`)
    expect(delivered).toBe(MEMBERS * (MEMBERS - 1))
  })

  it(`delivers every discovery message among ${MEMBERS} members behind one IP`, async () => {
    const group = await startGroup(() => undefined)
    const delivered = await publishRound(group, `${DISCOVERY_TOPIC_PREFIX}one-nat`)
    expect(delivered).toBe(MEMBERS * (MEMBERS - 1))
  })
})
