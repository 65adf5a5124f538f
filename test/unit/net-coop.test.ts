import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  coopKeys,
  createCoop,
  discoveryTopic,
  formatInvite,
  parseInvite,
  isRelayAddr,
} from '../../src/net/coop.ts'
import {
  InvalidInviteError,
  InviteContentError,
  InviteEncodingError,
  InviteMissingError,
  InviteOutdatedError,
  MissingCoopSecretError,
  NoRelayError,
} from '../../src/net/errors.ts'

const RELAY = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWAhbeeikDvYbWKhHYC14wTKHyN4QDSJkqks4i3htoNZCn'
const PUBLIC_RELAY =
  '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWAhbeeikDvYbWKhHYC14wTKHyN4QDSJkqks4i3htoNZCn'

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('co-op and invite links', () => {
  it('creates co-ops with distinct random IDs and the given relays', () => {
    const a = createCoop({ relays: [RELAY], name: 'Allotment' })
    const b = createCoop({ relays: [RELAY] })
    expect(a.id).toMatch(/^[a-z2-7]{26}$/)
    expect(a.id).not.toBe(b.id)
    expect(a.name).toBe('Allotment')
    expect(a.relays).toEqual([RELAY])
    expect(() => createCoop({ relays: [] })).toThrow(NoRelayError)
    expect(() => createCoop({ relays: ['/ip4/1.2.3.4/tcp/1/ws'] })).toThrow(NoRelayError)
  })

  it('round-trips through an invite link whose fragment carries the co-op', () => {
    const coop = createCoop({ relays: [RELAY, PUBLIC_RELAY], name: 'Tenants’ union 🏠' })
    const link = formatInvite(coop, 'https://coffer.example.org/')
    expect(link.startsWith('https://coffer.example.org/#/join/')).toBe(true)
    expect(new URL(link).pathname).toBe('/')
    expect(parseInvite(link)).toEqual(coop)
    expect(parseInvite(new URL(link).hash)).toEqual(coop)
  })

  it('round-trips any valid name', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 64 })
          // eslint-disable-next-line no-control-regex
          .filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(s)),
        (name) => {
          const coop = { ...createCoop({ relays: [RELAY] }), name }
          expect(parseInvite(formatInvite(coop, 'http://localhost:8080'))).toEqual(coop)
        },
      ),
    )
  })

  it('refuses malformed links with a typed error', () => {
    const c = createCoop({ relays: [RELAY] })
    const good = { v: 2, id: c.id, name: 'x', r: [RELAY], s: c.secret }
    const cases: Array<[string, typeof InvalidInviteError]> = [
      ['https://coffer.example.org/', InviteMissingError],
      ['#/peers', InviteMissingError],
      ['#/join/', InviteEncodingError],
      ['#/join/not base64!', InviteEncodingError],
      ['#/join/' + Buffer.from('not json').toString('base64url'), InviteEncodingError],
      ['#/join/' + Buffer.from([0xff, 0xfe]).toString('base64url'), InviteEncodingError],
      ['#/join/' + 'A'.repeat(5000), InviteEncodingError],
      ['#/join/' + encode([1, 2]), InviteContentError],
      ['#/join/' + encode({ ...good, v: 3 }), InviteContentError],
      ['#/join/' + encode({ ...good, s: 'short' }), InviteContentError],
      ['#/join/' + encode({ ...good, s: undefined }), InviteContentError],
      ['#/join/' + encode({ ...good, extra: 1 }), InviteContentError],
      ['#/join/' + encode({ ...good, id: 'short' }), InviteContentError],
      ['#/join/' + encode({ ...good, id: 'A'.repeat(26) }), InviteContentError],
      ['#/join/' + encode({ ...good, name: '' }), InviteContentError],
      ['#/join/' + encode({ ...good, name: 'a'.repeat(65) }), InviteContentError],
      ['#/join/' + encode({ ...good, name: 'bell\u0007' }), InviteContentError],
      ['#/join/' + encode({ ...good, r: [] }), InviteContentError],
      ['#/join/' + encode({ ...good, r: [42] }), InviteContentError],
      ['#/join/' + encode({ ...good, r: ['/ip4/1.2.3.4/tcp/1/ws'] }), InviteContentError],
      [
        '#/join/' + encode({ ...good, r: ['/ip4/1.2.3.4/tcp/1/p2p/' + 'x'.repeat(10)] }),
        InviteContentError,
      ],
      ['#/join/' + encode({ ...good, r: Array(9).fill(RELAY) }), InviteContentError],
    ]
    for (const [input, type] of cases) {
      expect(() => parseInvite(input), input.slice(0, 60)).toThrow(type)
    }
  })

  it('never throws anything but InvalidInviteError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (tail) => {
        try {
          parseInvite('#/join/' + tail)
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInviteError)
        }
      }),
    )
  })

  it('accepts only WebSocket relay addresses that name the relay peer', () => {
    expect(isRelayAddr(RELAY)).toBe(true)
    expect(isRelayAddr(PUBLIC_RELAY)).toBe(true)
    expect(
      isRelayAddr(
        '/ip4/127.0.0.1/tcp/9090/p2p/12D3KooWAhbeeikDvYbWKhHYC14wTKHyN4QDSJkqks4i3htoNZCn',
      ),
    ).toBe(false)
    expect(isRelayAddr('/ip4/127.0.0.1/tcp/9090/ws')).toBe(false)
    expect(isRelayAddr('garbage')).toBe(false)
  })

  it('derives each co-op its own discovery topic from its secret, not its ID', () => {
    const coop = createCoop({ relays: [RELAY] })
    const a = discoveryTopic(coopKeys(coop))
    const sameId = discoveryTopic(
      coopKeys({ ...coop, secret: createCoop({ relays: [RELAY] }).secret }),
    )
    expect(a).not.toBe(sameId)
    expect(a.startsWith('/coffer/discovery/1.0.0/')).toBe(true)
    expect(a).not.toContain(coop.id)
    expect(discoveryTopic(coopKeys({ ...coop }))).toBe(a)
  })

  it('carries the secret in the invite and refuses a version 1 invite as outdated', () => {
    const coop = createCoop({ relays: [RELAY], name: 'Choir' })
    expect(parseInvite(formatInvite(coop, 'http://x')).secret).toBe(coop.secret)
    const old = { v: 1, id: coop.id, name: 'Choir', r: [RELAY] }
    expect(() => parseInvite('#/join/' + encode(old))).toThrow(InviteOutdatedError)
    expect(() => parseInvite('#/join/' + encode(old))).toThrow(/ask a member for a new invite/)
    expect(() => coopKeys({ id: coop.id, name: 'x', relays: [RELAY] })).toThrow(
      MissingCoopSecretError,
    )
    expect(() => formatInvite({ id: coop.id, name: 'x', relays: [RELAY] }, 'http://x')).toThrow(
      MissingCoopSecretError,
    )
  })
})
