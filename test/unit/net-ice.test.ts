import { describe, expect, it } from 'vitest'
import { coopIce, parseIceServers, relayConfigUrl } from '../../src/net/ice.ts'

const RELAY_ID = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

/** A fetch that answers each URL from a table and records what was asked. */
function fakeFetch(answers: Record<string, unknown>): typeof fetch & { asked: string[] } {
  const asked: string[] = []
  const f = ((input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : input.toString()
    asked.push(url)
    if (!(url in answers)) return Promise.reject(new TypeError('Failed to fetch'))
    const body = answers[url]
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body)))
  }) as typeof fetch & { asked: string[] }
  f.asked = asked
  return f
}

describe('ICE configuration of a node', () => {
  it('finds each relay’s /config.json from its WebSocket address', () => {
    expect(relayConfigUrl(`/dns4/relay.example.org/tcp/443/wss/p2p/${RELAY_ID}`)).toBe(
      'https://relay.example.org/config.json',
    )
    expect(relayConfigUrl(`/ip4/10.0.0.2/tcp/9090/ws/p2p/${RELAY_ID}`)).toBe(
      'http://10.0.0.2:9090/config.json',
    )
    expect(relayConfigUrl('/ip6/fd00::2/tcp/8443/tls/ws')).toBe(
      'https://[fd00::2]:8443/config.json',
    )
    expect(relayConfigUrl('/ip4/10.0.0.2/tcp/9090')).toBeUndefined()
    expect(relayConfigUrl('nonsense')).toBeUndefined()
  })

  it('keeps only well-formed stun:/turn: servers, few and short, TURN only with credentials', () => {
    const long = 'x'.repeat(300)
    expect(
      parseIceServers([
        { urls: 'stun:relay.example.org:3478' },
        { urls: ['turn:relay.example.org:3478'], username: '1:a', credential: 'c' },
        { urls: ['turn:relay.example.org:3478'] },
        { urls: ['https://evil.example/', `stun:${long}`, 5] },
        null,
        'stun:x',
        { urls: ['stun:a:1', 'stun:b:1', 'stun:c:1', 'stun:d:1', 'stun:e:1'] },
        { urls: ['stun:sixth.example:1'] },
      ]),
    ).toEqual([
      { urls: ['stun:relay.example.org:3478'] },
      { urls: ['turn:relay.example.org:3478'], username: '1:a', credential: 'c' },
    ])
    expect(parseIceServers(undefined)).toEqual([])
    expect(parseIceServers({ urls: 'stun:x:1' })).toEqual([])
  })

  it('gives every RTCPeerConnection the relay’s servers, never undefined (libp2p’s public defaults)', async () => {
    const relays = [
      `/ip4/10.9.9.9/tcp/9090/ws/p2p/${RELAY_ID}`,
      `/ip4/10.0.0.2/tcp/9090/ws/p2p/${RELAY_ID}`,
    ]
    const servers = [{ urls: ['stun:10.0.0.2:3478'] }]
    const f = fakeFetch({ 'http://10.0.0.2:9090/config.json': { relays, iceServers: servers } })
    const ice = coopIce({ relays, fetch: f })
    expect(await ice.rtcConfiguration()).toEqual({ iceServers: servers })
    // The first relay was down; the second answered. A second connection uses the cache.
    await ice.rtcConfiguration()
    expect(f.asked).toEqual([
      'http://10.9.9.9:9090/config.json',
      'http://10.0.0.2:9090/config.json',
    ])
    expect(ice.hasTurn).toBe(false)
  })

  it('falls back to host candidates only when no relay answers', async () => {
    const ice = coopIce({
      relays: [`/ip4/10.9.9.9/tcp/9090/ws/p2p/${RELAY_ID}`],
      fetch: fakeFetch({}),
    })
    expect(await ice.rtcConfiguration()).toEqual({ iceServers: [] })
    const bad = coopIce({
      relays: [`/ip4/10.0.0.2/tcp/9090/ws/p2p/${RELAY_ID}`],
      fetch: fakeFetch({ 'http://10.0.0.2:9090/config.json': 'x'.repeat(70_000) }),
    })
    expect(await bad.rtcConfiguration()).toEqual({ iceServers: [] })
  })

  it('asks again for TURN credentials halfway through a short life, and every 10 min at most', async () => {
    const t0 = 1_700_000_000_000
    let t = t0
    const url = 'http://10.0.0.2:9090/config.json'
    const turn = (expiry: number) => ({
      urls: ['turn:10.0.0.2:3478'],
      username: `${expiry}:abc`,
      credential: 'c',
    })
    const answers: Record<string, unknown> = { [url]: { iceServers: [turn(t0 / 1000 + 400)] } }
    const f = fakeFetch(answers)
    const relays = [`/ip4/10.0.0.2/tcp/9090/ws/p2p/${RELAY_ID}`]
    const ice = coopIce({ relays, fetch: f, now: () => t })
    expect((await ice.rtcConfiguration()).iceServers?.[0]?.username).toBe(`${t0 / 1000 + 400}:abc`)
    expect(ice.hasTurn).toBe(true)
    t = t0 + 150_000
    await ice.rtcConfiguration()
    expect(f.asked).toHaveLength(1)
    answers[url] = { iceServers: [turn(t0 / 1000 + 4000)] }
    t = t0 + 250_000 // past half of the 400 s credential
    expect((await ice.rtcConfiguration()).iceServers?.[0]?.username).toBe(`${t0 / 1000 + 4000}:abc`)
    expect(f.asked).toHaveLength(2)
    t = t0 + 250_000 + 590_000
    await ice.rtcConfiguration()
    expect(f.asked).toHaveLength(2)
    t = t0 + 250_000 + 610_000
    await ice.rtcConfiguration()
    expect(f.asked).toHaveLength(3)
  })
})
