import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toString as u8ToString, fromString as u8FromString } from 'uint8arrays'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { reserved, startMember, until, type Member } from './member.ts'
import { DISCOVERY_TOPIC_PREFIX } from '../../relay/constants.ts'

const MEMBERS = 30

/**
 * Every member publishes once on `topic`; returns how many (sender, receiver) pairs got it.
 * First the mesh forms: members re-announce (as the app does) until each has heard every
 * other once, since a member's GRAFT can still be on its way to the relay when it publishes.
 */
async function publishRound(members: Member[], topic: string): Promise<number> {
  const warm = members.map(() => new Set<string>())
  const got = members.map(() => new Set<string>())
  members.forEach((m, i) => {
    m.services.pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic !== topic) return
      const [kind, from] = u8ToString(evt.detail.data).split(' ')
      ;(kind === 'warm' ? warm : got)[i]?.add(from ?? '')
    })
  })
  for (const m of members) m.services.pubsub.subscribe(topic)
  const others = members.length - 1
  const announce = setInterval(() => {
    members.forEach((m, i) => {
      m.services.pubsub.publish(topic, u8FromString(`warm ${i} ${Date.now()}`)).catch(() => {
        // Before the first subscription reaches the relay there may be no peer to send to.
      })
    })
  }, 500)
  try {
    await until(() => warm.every((s) => s.size >= others), 60_000, 'the discovery mesh formed')
  } finally {
    clearInterval(announce)
  }
  await Promise.all(
    // Unsigned messages are identified by their bytes alone (as sealed announcements, whose
    // random nonce makes each unique): name the topic, or the relay drops a later round's
    // `member 0` as already seen.
    members.map((m, i) => m.services.pubsub.publish(topic, u8FromString(`member ${i} ${topic}`))),
  )
  const expected = members.length * others
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

  it('reports members, reservations, discovery and relay traffic on /metrics', async () => {
    const res = await fetch(`${relay.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' '))
      return Number(line?.split(' ')[1] ?? NaN)
    }
    expect(value('coffer_relay_connections')).toBe(2 * MEMBERS)
    expect(value('coffer_relay_reservations')).toBe(2 * MEMBERS)
    expect(value('coffer_relay_client_ips')).toBe(MEMBERS + 1)
    expect(value('coffer_relay_discovery_topics')).toBe(2)
    // At least every member's counted message reached the relay (warm-ups come on top).
    expect(value('coffer_relay_discovery_messages_total')).toBeGreaterThanOrEqual(2 * MEMBERS)
    expect(text).toMatch(
      /libp2p_data_transfer_bytes_total\{protocol="\/libp2p\/circuit\/relay\/0\.2\.0\/hop[^"]*"\} [1-9]/,
    )
    expect(text).toContain('process_resident_memory_bytes')
  })
})
