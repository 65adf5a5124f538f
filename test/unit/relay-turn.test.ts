import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSocket } from 'node:dgram'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { turnCredential } from '../../relay/turn.ts'
import { parseIceServer, startRelayIce, stunUrlsFor } from '../../relay/ice.ts'
import { parseConfig } from '../../relay/config.ts'
import { ConfigError, StunBindError } from '../../relay/errors.ts'
import { freeUdpPort, startCoturn, turnAllocate, type Coturn } from '../e2e/coturn.ts'

describe('TURN REST API credentials, checked by a real coturn (use-auth-secret)', () => {
  const secret = 'coffer-test-' + Math.random().toString(36).slice(2)
  let coturn: Coturn
  beforeAll(async () => {
    coturn = await startCoturn({ secret, listenIp: '127.0.0.1', port: await freeUdpPort() })
  })
  afterAll(async () => {
    await coturn?.stop()
  })
  const server = (): { host: string; port: number } => ({ host: '127.0.0.1', port: coturn.port })

  it('has the documented shape: <expiry>:<id> and base64 HMAC-SHA1', () => {
    const c = turnCredential('s3cret', 600, 1_700_000_000_000, 'abc')
    expect(c.username).toBe('1700000600:abc')
    expect(c.expires).toBe(1_700_000_600)
    expect(c.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/)
  })

  it('is accepted by coturn: an allocation gets a relayed address', async () => {
    const c = turnCredential(secret, 600)
    const r = await turnAllocate(server(), c.username, c.credential)
    expect(r).toMatchObject({ ok: true, relayed: { address: '127.0.0.1' } })
  })

  it('is refused once expired, or under another secret', async () => {
    const expired = turnCredential(secret, 60, Date.now() - 3_600_000)
    expect(await turnAllocate(server(), expired.username, expired.credential)).toEqual({
      ok: false,
      code: 401,
    })
    const other = turnCredential('not-the-secret', 600)
    expect(await turnAllocate(server(), other.username, other.credential)).toEqual({
      ok: false,
      code: 401,
    })
  })

  it('comes fresh from the relay with every call, for the configured TURN URLs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-turn-'))
    try {
      await writeFile(join(dir, 'secret'), `${secret}\n`)
      const ice = await startRelayIce(
        {
          host: '127.0.0.1',
          stunPort: 0,
          turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
          turnSecretFile: join(dir, 'secret'),
          turnTtl: 300,
        },
        [],
      )
      const [turn, ...rest] = ice.servers()
      expect(rest).toEqual([])
      expect(turn?.urls).toEqual([`turn:127.0.0.1:${coturn.port}?transport=udp`])
      const expiry = Number(turn?.username?.split(':')[0])
      expect(expiry - Date.now() / 1000).toBeGreaterThan(290)
      expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(300)
      const r = await turnAllocate(server(), turn?.username ?? '', turn?.credential ?? '')
      expect(r.ok).toBe(true)
      await ice.stop()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('ICE configuration of the relay', () => {
  function config(argv: string[], env: Record<string, string> = {}) {
    const parsed = parseConfig(argv, env, '/srv')
    if (parsed.help) throw new Error('unexpected help')
    return parsed.config
  }

  it('turns STUN on at 3478 and offers nothing else by default', () => {
    expect(config([])).toMatchObject({ stunPort: 3478, turnUrls: [], iceServers: [] })
    expect(config([]).turnSecretFile).toBeUndefined()
  })

  it('reads the TURN and extra-server flags, and their environment variables', () => {
    const c = config([
      '--stun-port=0',
      '--turn-url=turn:turn.example.org:3478',
      '--turn-url=turns:turn.example.org:5349',
      '--turn-secret-file=secret',
      '--turn-ttl=600',
      '--ice-server=stun:stun.example.net:3478',
      '--ice-server=turn:other.example.net user pass',
    ])
    expect(c).toMatchObject({
      stunPort: 0,
      turnUrls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'],
      turnSecretFile: '/srv/secret',
      turnTtl: 600,
      iceServers: [
        { urls: ['stun:stun.example.net:3478'] },
        { urls: ['turn:other.example.net'], username: 'user', credential: 'pass' },
      ],
    })
    const e = config([], {
      COFFER_RELAY_STUN_PORT: '3479',
      COFFER_RELAY_TURN_URL: 'turn:a.example:3478, turn:b.example:3478',
      COFFER_RELAY_TURN_SECRET_FILE: '/etc/coffer/turn-secret',
    })
    expect(e).toMatchObject({
      stunPort: 3479,
      turnUrls: ['turn:a.example:3478', 'turn:b.example:3478'],
      turnSecretFile: '/etc/coffer/turn-secret',
    })
  })

  it.each([
    [['--stun-port', '70000'], /--stun-port/],
    [['--turn-url', 'turn:x.example'], /go together/],
    [['--turn-secret-file', 's'], /go together/],
    [['--turn-url', 'http://x.example', '--turn-secret-file', 's'], /turn: or turns:/],
    [['--turn-url', 'stun:x.example', '--turn-secret-file', 's'], /turn: or turns:/],
    [['--turn-ttl', '5'], /--turn-ttl/],
    [['--ice-server', 'https://stun.example'], /--ice-server/],
    [['--ice-server', 'turn:x.example user'], /--ice-server/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseConfig(argv)).toThrow(ConfigError)
    expect(() => parseConfig(argv)).toThrow(message)
  })

  it('refuses an empty or missing secret file, and a taken STUN port, with a named error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-turn-'))
    try {
      await writeFile(join(dir, 'empty'), '\n')
      const base = { host: '127.0.0.1', turnUrls: ['turn:t.example'] }
      await expect(
        startRelayIce({ ...base, turnSecretFile: join(dir, 'empty') }, []),
      ).rejects.toThrow(ConfigError)
      await expect(
        startRelayIce({ ...base, turnSecretFile: join(dir, 'none') }, []),
      ).rejects.toThrow(ConfigError)
      const taken = createSocket('udp4')
      await new Promise<void>((r) => taken.bind(0, '127.0.0.1', r))
      try {
        await expect(
          startRelayIce({ host: '127.0.0.1', stunPort: taken.address().port }, []),
        ).rejects.toThrow(StunBindError)
      } finally {
        taken.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('names STUN after the hosts the relay advertises, public ones first, loopback only alone', () => {
    expect(
      stunUrlsFor(
        [
          '/ip4/127.0.0.1/tcp/9090/ws/p2p/x',
          '/dns4/relay.example.org/tcp/443/wss',
          '/ip6/2001:db8::1/tcp/9090/ws',
        ],
        3478,
      ),
    ).toEqual(['stun:relay.example.org:3478', 'stun:[2001:db8::1]:3478'])
    expect(stunUrlsFor(['/ip4/127.0.0.1/tcp/9090/ws'], 3478)).toEqual(['stun:127.0.0.1:3478'])
  })

  it('parses --ice-server values', () => {
    expect(parseIceServer('stun:s.example:3478')).toEqual({ urls: ['stun:s.example:3478'] })
  })
})
