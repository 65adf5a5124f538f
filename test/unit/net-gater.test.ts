import { describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { cofferGater } from '../../src/net/gater.ts'

const RELAY_ID = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

function denied(gater: ReturnType<typeof cofferGater>, addr: string): boolean {
  return gater.denyDialMultiaddr?.(multiaddr(addr)) === true
}

describe('connection gater', () => {
  const lan = `/ip4/192.168.1.20/tcp/9090/ws/p2p/${RELAY_ID}`
  const local = `/ip4/127.0.0.1/tcp/9090/ws/p2p/${RELAY_ID}`
  const vpn = `/ip6/fd00::2/tcp/443/tls/ws/p2p/${RELAY_ID}`
  const gater = cofferGater({ named: [lan, local, vpn] })

  it('allows the relays the co-op names, on private addresses and over ws://', () => {
    for (const a of [lan, local, vpn]) expect(denied(gater, a)).toBe(false)
    // …also as the first hop of a circuit to a member, and without the relay's peer ID.
    expect(denied(gater, `${lan}/p2p-circuit/webrtc/p2p/${PEER}`)).toBe(false)
    expect(denied(gater, '/ip4/192.168.1.20/tcp/9090/ws')).toBe(false)
  })

  it('refuses private addresses the co-op does not name, also over wss://', () => {
    for (const a of [
      `/ip4/192.168.1.20/tcp/9091/ws/p2p/${RELAY_ID}`,
      `/ip4/192.168.1.21/tcp/9090/ws/p2p/${RELAY_ID}`,
      '/ip4/10.0.0.1/tcp/443/wss',
      '/ip4/127.0.0.1/tcp/22/ws',
      '/ip4/169.254.169.254/tcp/80/wss',
      '/ip4/100.64.0.1/tcp/443/tls/ws',
      '/ip6/::1/tcp/443/wss',
      '/ip6/fe80::1/tcp/443/wss',
      '/ip6/::ffff:7f00:1/tcp/443/wss',
      '/dns4/localhost/tcp/443/wss',
      '/dns4/printer.local/tcp/443/wss',
      `/ip4/10.0.0.1/tcp/443/wss/p2p/${RELAY_ID}/p2p-circuit/webrtc/p2p/${PEER}`,
    ]) {
      expect(denied(gater, a), a).toBe(true)
    }
  })

  it('refuses plain ws:// to public hosts it does not name, and allows wss:// to them', () => {
    expect(denied(gater, '/dns4/relay.example.org/tcp/80/ws')).toBe(true)
    expect(denied(gater, '/ip4/203.0.113.5/tcp/9090/ws')).toBe(true)
    expect(denied(gater, '/dns4/relay.example.org/tcp/443/wss')).toBe(false)
    expect(denied(gater, '/ip4/203.0.113.5/tcp/443/tls/ws')).toBe(false)
  })

  it('names nothing by default: even this machine is refused', () => {
    expect(denied(cofferGater(), local)).toBe(true)
    expect(denied(cofferGater({ named: ['not a multiaddr'] }), local)).toBe(true)
  })
})
