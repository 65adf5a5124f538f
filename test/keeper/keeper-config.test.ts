import { describe, expect, it } from 'vitest'
import { HELP, parseArgs } from '../../keeper/config.ts'
import { parseSize, OPTIONS } from '../../keeper/options.ts'
import { KeeperConfigError } from '../../keeper/errors.ts'
import { parseConfig as parseRelayArgs } from '../../relay/config.ts'
import { parseConfig as parseAppConfig } from '../../src/net/config/relay-config.ts'
import { isKeeperAddr } from '../../src/net/keepers.ts'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const KEEPER = `/dns4/keeper.example.org/tcp/443/wss/p2p/${PEER}`

function config(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseArgs(argv, env)
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('coffer-keeper options', () => {
  it('reads sizes in decimal and binary units', () => {
    expect(parseSize('200GB')).toBe(200e9)
    expect(parseSize('1.5TB')).toBe(1.5e12)
    expect(parseSize('512MiB')).toBe(512 * 2 ** 20)
    expect(parseSize('1000')).toBe(1000)
    for (const bad of ['', '0', '-1GB', '12XB', 'lots']) {
      expect(() => parseSize(bad)).toThrow(KeeperConfigError)
    }
  })

  it('takes flags over environment variables over defaults, and needs --join and --data', () => {
    const c = config(['--join', 'x#/join/abc', '--data', '/srv/k', '--pledge=2GB'], {
      COFFER_KEEPER_PLEDGE: '5GB',
      COFFER_KEEPER_ANNOUNCE: `${KEEPER.replace(/\/p2p\/.*/, '')}, /ip4/10.0.0.2/tcp/9091/ws`,
    })
    expect(c.pledgeBytes).toBe(2e9)
    expect(c.dataDir).toBe('/srv/k')
    expect(c.announce).toHaveLength(2)
    expect(c.listen).toEqual(['/ip4/127.0.0.1/tcp/9091/ws'])
    expect(c.logFormat).toBe('text')
    expect(() => config(['--data', '/srv/k'])).toThrow(/--join/)
    expect(() => config(['--join', 'x', '--data', 'd', '--listen', '/ip4/1.2.3.4/tcp/1'])).toThrow(
      /WebSocket/,
    )
    expect(() => config(['--join', 'x', '--data', 'd', '--data', 'e'])).toThrow(/twice/)
    expect(() => config(['--join', 'x', '--data', 'd', '--frobnicate'])).toThrow(/unknown/)
    expect(parseArgs(['--help'], {}).help).toBe(true)
  })

  it('lists every option with its environment variable in --help', () => {
    for (const o of OPTIONS) {
      expect(HELP).toContain(`--${o.flag}`)
      expect(HELP).toContain(o.env)
    }
  })
})

describe('keepers named by the relay', () => {
  it('accepts only WebSocket addresses ending in a peer id, never a circuit', () => {
    expect(isKeeperAddr(KEEPER)).toBe(true)
    expect(isKeeperAddr(`/ip4/127.0.0.1/tcp/9091/ws/p2p/${PEER}`)).toBe(true)
    expect(isKeeperAddr('/ip4/127.0.0.1/tcp/9091/ws')).toBe(false)
    expect(isKeeperAddr(`/ip4/127.0.0.1/tcp/9091/p2p/${PEER}`)).toBe(false)
    expect(isKeeperAddr(`${KEEPER}/p2p-circuit/p2p/${PEER}`)).toBe(false)
    expect(isKeeperAddr('not an address')).toBe(false)
    expect(isKeeperAddr(42)).toBe(false)
  })

  it('the relay takes --keeper into /config.json, and the app keeps only keeper addresses', () => {
    const parsed = parseRelayArgs(['--keeper', KEEPER], {}, '/srv')
    if (parsed.help) throw new Error('unexpected help')
    expect(parsed.config.keepers).toEqual([KEEPER])
    expect(() => parseRelayArgs(['--keeper', '/ip4/1.2.3.4/tcp/1/ws'], {}, '/srv')).toThrow(
      /--keeper/,
    )
    const app = parseAppConfig({ relays: ['/x'], keepers: [KEEPER, '/ip4/1.2.3.4/tcp/1', 7] })
    expect(app.keepers).toEqual([KEEPER])
    expect(parseAppConfig({ relays: ['/x'] }).keepers).toEqual([])
    expect(() => parseAppConfig({ relays: ['/x'], keepers: 'no' })).toThrow()
  })
})
