import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { HELP, parseConfig } from '../../relay/config.ts'
import { LIMIT_FLAGS, defaultLimits } from '../../relay/limits.ts'
import { ConfigError } from '../../relay/errors.ts'
import {
  DEFAULT_MAX_RESERVATIONS,
  DISCOVERY_TOPIC_PREFIX as RELAY_PREFIX,
} from '../../relay/constants.ts'
import { DISCOVERY_TOPIC_PREFIX as NET_PREFIX } from '../../src/net/constants.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'relay', 'bin', 'coffer-relay.js')

const MESH_PEER =
  '/ip4/10.0.0.2/tcp/9090/ws/p2p/12D3KooWPKnqiJBRtP3bAoPKMXKuiD2d23bYrVtHVHzRmte97WdM'

function config(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseConfig(argv, env, '/srv')
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('relay configuration', () => {
  it('has defaults that need no flags', () => {
    const c = config([])
    expect(c.host).toBe('0.0.0.0')
    expect(c.port).toBe(9090)
    expect(c.announce).toEqual([])
    expect(c.dataDir).toBe('/srv/.relay-data')
    expect(c.identityFile).toBe('/srv/.relay-data/peer-key')
    expect(c.maxReservations).toBe(DEFAULT_MAX_RESERVATIONS)
    expect(c.maxReservations).toBeGreaterThan(15)
    expect(c.appDir).toBeUndefined()
    expect(c.trustedProxies).toEqual([])
    expect(c.metrics).toBe(true)
    for (const f of LIMIT_FLAGS) expect(c[f.key]).toBe(f.fallback)
  })

  it('reads every flag', () => {
    const c = config([
      '--host=127.0.0.1',
      '--port',
      '0',
      '--announce',
      '/dns4/relay.example.org/tcp/443/wss',
      '--announce',
      '/ip4/203.0.113.5/tcp/9090/ws',
      '--data-dir',
      'state',
      '--identity',
      '/keys/relay.key',
      '--max-reservations',
      '50',
      '--max-connections',
      '300',
      '--app',
      'dist',
      '--trusted-proxy',
      '10.0.0.1',
      '--trusted-proxy',
      '::1',
      '--max-connections-per-ip',
      '7',
      '--no-metrics',
    ])
    expect(c).toMatchObject({
      ...defaultLimits(),
      trustedProxies: ['10.0.0.1', '::1'],
      maxConnectionsPerIp: 7,
      metrics: false,
      logFormat: 'text',
      host: '127.0.0.1',
      port: 0,
      announce: ['/dns4/relay.example.org/tcp/443/wss', '/ip4/203.0.113.5/tcp/9090/ws'],
      dataDir: '/srv/state',
      identityFile: '/keys/relay.key',
      maxReservations: 50,
      maxConnections: 300,
      appDir: '/srv/dist',
    })
    expect(c).toMatchObject({ stunPort: 3478, turnUrls: [], iceServers: [] })
  })

  it('falls back to environment variables, and flags win over them', () => {
    const env = {
      COFFER_RELAY_PORT: '7000',
      COFFER_RELAY_ANNOUNCE: '/dns4/a.example/tcp/443/wss, /dns4/b.example/tcp/443/wss',
      COFFER_RELAY_MAX_RESERVATIONS: '99',
      COFFER_RELAY_DATA_DIR: '/var/lib/coffer',
      COFFER_RELAY_TRUSTED_PROXIES: '127.0.0.1, 10.1.2.3',
      COFFER_RELAY_IDLE_TIMEOUT: '0',
    }
    const c = config([], env)
    expect(c.port).toBe(7000)
    expect(c.announce).toEqual(['/dns4/a.example/tcp/443/wss', '/dns4/b.example/tcp/443/wss'])
    expect(c.maxReservations).toBe(99)
    expect(c.identityFile).toBe('/var/lib/coffer/peer-key')
    expect(c.trustedProxies).toEqual(['127.0.0.1', '10.1.2.3'])
    expect(c.idleTimeout).toBe(0)
    expect(config(['--port', '7001'], env).port).toBe(7001)
  })

  it('answers --help and -h with help text that names every option', () => {
    expect(parseConfig(['--help']).help).toBe(true)
    expect(parseConfig(['-h']).help).toBe(true)
    for (const flag of [
      '--host',
      '--port',
      '--announce',
      '--data-dir',
      '--identity',
      '--max-reservations',
      '--max-connections',
      '--app',
      '--trusted-proxy',
      '--no-metrics',
      '--config',
      '--log-format',
      '--mesh',
      ...LIMIT_FLAGS.map((f) => `--${f.flag}`),
      ...LIMIT_FLAGS.map((f) => f.env),
    ]) {
      expect(HELP).toContain(flag)
    }
  })

  it.each([
    [['--bogus'], /bogus/],
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be between/],
    [['--port', '-1'], /--port/],
    [['--max-reservations', '0'], /--max-reservations must be between/],
    [['--max-connections', '1.5'], /--max-connections must be a whole number/],
    [['--announce', 'not-a-multiaddr'], /--announce must be a multiaddr/],
    [['--announce', '/ip4/1.2.3.4/tcp/80'], /WebSocket address/],
    [['--host', 'relay.example.org'], /--host must be an IP address/],
    [['--log-format', 'xml'], /--log-format must be text or json/],
    [['--trusted-proxy', 'proxy.example.org'], /--trusted-proxy must be an IP address/],
    [['--mesh', '/ip4/10.0.0.2/tcp/9090/ws'], /--mesh must be a WebSocket multiaddr ending in/],
    [['--mesh', `${MESH_PEER}/p2p-circuit`], /--mesh must be a WebSocket multiaddr ending in/],
    [
      Array.from({ length: 17 }, () => ['--mesh', MESH_PEER]).flat(),
      /--mesh names at most 16 relays, got 17/,
    ],
    [['--max-ws-payload', '10'], /--max-ws-payload must be between/],
    [['--max-connections-per-ip', 'many'], /--max-connections-per-ip must be a whole number/],
    [['positional'], /positional|Unexpected argument/i],
  ])('refuses %j', (argv, message) => {
    expect(() => parseConfig(argv)).toThrow(ConfigError)
    expect(() => parseConfig(argv)).toThrow(message)
  })

  it("reads the pod's other relays from --mesh and COFFER_RELAY_MESH", () => {
    expect(config(['--mesh', MESH_PEER]).mesh).toEqual([MESH_PEER])
    expect(config([], { COFFER_RELAY_MESH: `${MESH_PEER},${MESH_PEER}` }).mesh).toEqual([
      MESH_PEER,
      MESH_PEER,
    ])
    expect(config([]).mesh).toEqual([])
  })

  it('keeps the discovery topic prefix the same as the browser peers use', () => {
    expect(RELAY_PREFIX).toBe(NET_PREFIX)
  })
})

describe('coffer-relay command line', () => {
  it('exits with code 2 and a clear message on stderr for a bad flag', () => {
    const r = spawnSync(process.execPath, [BIN, '--port', 'eighty'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--port must be a whole number, got "eighty"')
    expect(r.stderr).toContain('--help')
    expect(r.stdout).toBe('')
  })

  it('exits with code 2 on an unknown flag', () => {
    const r = spawnSync(process.execPath, [BIN, '--max-reservation', '5'], { encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/coffer-relay: .*--max-reservation/)
  })

  it('writes JSON lines with --log-format json, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'coffer-relay-json-'))
    const child = spawn(
      process.execPath,
      [
        BIN,
        ...['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-format', 'json'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => out.includes('\n') && resolve())
        void exited.then(() => reject(new Error(`relay exited:\n${out}`)))
      })
      const started = JSON.parse(out.split('\n')[0] ?? '') as Record<string, unknown>
      expect(started).toMatchObject({ level: 'info', msg: 'started' })
      expect(String(started.peerId)).toMatch(/^12D3KooW/)
      expect(started.multiaddrs).toEqual([expect.stringMatching(/\/ws\/p2p\/12D3KooW/)])
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines.at(-1)).toMatchObject({ msg: 'stopping', signal: 'SIGTERM' })
    } finally {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('prints the help and exits 0 with --help', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('Usage: coffer-relay')
  })
})

describe('relay config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-relay-config-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, body: string): string => {
    const path = join(dir, name)
    writeFileSync(path, body)
    return path
  }

  it('reads options from --config, and the environment and flags override it', () => {
    const path = file(
      'relay.json',
      JSON.stringify({
        port: 7443,
        announce: '/dns4/relay.example.org/tcp/443/wss',
        'trusted-proxy': ['127.0.0.1', '::1'],
        'max-connections-per-ip': 12,
        'idle-timeout': 5,
        'no-metrics': true,
      }),
    )
    const c = config(['--config', path])
    expect(c.port).toBe(7443)
    expect(c.announce).toEqual(['/dns4/relay.example.org/tcp/443/wss'])
    expect(c.trustedProxies).toEqual(['127.0.0.1', '::1'])
    expect(c.maxConnectionsPerIp).toBe(12)
    expect(c.metrics).toBe(false)
    const env = { COFFER_RELAY_CONFIG: path, COFFER_RELAY_MAX_CONNECTIONS_PER_IP: '13' }
    expect(config([], env).maxConnectionsPerIp).toBe(13)
    expect(config(['--max-connections-per-ip', '14'], env).maxConnectionsPerIp).toBe(14)
    expect(config(['--idle-timeout', '6'], env).idleTimeout).toBe(6)
  })

  it.each([
    ['unknown.json', '{"max-conections": 5}', /unknown option "max-conections"/],
    ['bad.json', '{"port": ', /is not JSON/],
    ['array.json', '[1, 2]', /one JSON object/],
    ['type.json', '{"port": {"n": 1}}', /"port" must be a string or a number/],
    ['bool.json', '{"no-metrics": "yes"}', /"no-metrics" must be true or false/],
    ['range.json', '{"max-ws-payload": 1}', /--max-ws-payload must be between/],
    ['big.json', `{"app": "${'a'.repeat(70_000)}"}`, /larger than/],
  ])('refuses %s', (name, body, message) => {
    const path = file(name, body)
    expect(() => parseConfig(['--config', path])).toThrow(ConfigError)
    expect(() => parseConfig(['--config', path])).toThrow(message)
  })

  it('refuses a config file that does not exist', () => {
    expect(() => parseConfig(['--config', join(dir, 'missing.json')])).toThrow(/cannot be read/)
  })
})
