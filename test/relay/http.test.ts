import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { request } from 'node:http'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { until } from './member.ts'

/** Sends raw bytes and returns what the relay answers before it closes (or 5 s pass). */
function rawHttp(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let out = ''
    const timer = setTimeout(() => socket.destroy(), 5000)
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')))
    socket.on('error', () => {
      // A reset after the answer is fine; the answer is what is checked.
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    socket.write(bytes)
  })
}

const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)

describe('relay: HTTP side', () => {
  let relay: RelayProcess
  let dir: string
  const SECRET = 'outside-the-app-folder'
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-relay-http-'))
    const app = join(dir, 'app')
    await mkdir(join(app, 'assets'), { recursive: true })
    await writeFile(join(app, 'index.html'), '<!doctype html><title>Coffer</title>')
    await writeFile(join(dir, 'secret.txt'), SECRET)
    await symlink(join(dir, 'secret.txt'), join(app, 'leak.txt'))
    await symlink(dir, join(app, 'assets', 'up'))
    await symlink(join(app, 'index.html'), join(app, 'inside.html'))
    relay = await spawnRelay({
      args: ['--app', app, '--headers-timeout', '2', '--request-timeout', '4'],
    })
  })
  afterAll(async () => {
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('builds /config.json from its configuration, never from the Host header', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: relay.port,
          path: '/config.json',
          headers: { host: 'evil.example:666' },
        },
        (res) => {
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () => resolve(text))
        },
      )
      req.on('error', reject)
      req.end()
    })
    const config = JSON.parse(body) as { relays: string[] }
    expect(body).not.toContain('evil')
    expect(config.relays).toEqual([relay.multiaddr])
  })

  it.each(['GET //[ HTTP/1.1', 'GET /%E0%A4%A HTTP/1.1', 'GET http://[::1 HTTP/1.1'])(
    'answers %s with 400',
    async (line) => {
      const answer = await rawHttp(relay.port, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`)
      expect(status(answer)).toBe(400)
      expect(relay.alive()).toBe(true)
    },
  )

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/leak.txt',
    '/assets/up/secret.txt',
    '/%00index.html',
  ])('serves nothing outside the app folder for %s', async (path) => {
    const answer = await rawHttp(
      relay.port,
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    )
    expect([400, 404]).toContain(status(answer))
    expect(answer).not.toContain(SECRET)
  })

  it('serves the app, and a symlink whose target is inside the app folder', async () => {
    expect((await fetch(`${relay.url}/`)).status).toBe(200)
    expect(await (await fetch(`${relay.url}/inside.html`)).text()).toContain('Coffer')
  })

  it('serves the app at /embed too, the one path any site may frame', async () => {
    const embed = await fetch(`${relay.url}/embed?x=1`)
    expect(await embed.text()).toContain('Coffer')
    expect(embed.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/)
    expect(embed.headers.get('x-frame-options')).toBeNull()
    const app = await fetch(`${relay.url}/`)
    expect(app.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'$/)
    expect(app.headers.get('x-frame-options')).toBe('DENY')
  })

  it('refuses a huge request head with 431 and a body with 413', async () => {
    const huge = `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`
    expect(status(await rawHttp(relay.port, huge))).toBe(431)
    const declared = 'POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nxx'
    expect(status(await rawHttp(relay.port, declared))).toBe(413)
    const chunked = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n'
    expect(status(await rawHttp(relay.port, chunked))).toBe(413)
    expect((await relay.health()).ok).toBe(true)
  })

  it('answers 408, which browsers retry, on a connection that sends nothing in time', async () => {
    const started = Date.now()
    expect(status(await rawHttp(relay.port, ''))).toBe(408)
    // --headers-timeout 2: not before it, and not long after.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900)
    expect(status(await rawHttp(relay.port, 'GET /health HTTP/1.1\r\nHost: x\r\n'))).toBe(408)
  })

  it('closes slowloris connections that never finish their headers, and keeps serving', async () => {
    const slow: Socket[] = []
    const closed: boolean[] = []
    for (let i = 0; i < 50; i++) {
      const s = connect({ host: '127.0.0.1', port: relay.port })
      s.on('error', () => {
        // The relay's timeout may reset the socket; `closed` records it either way.
      })
      s.write('GET /health HTTP/1.1\r\nHost: x\r\n')
      s.on('close', () => (closed[i] = true))
      slow.push(s)
    }
    const drip = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('X-a: b\r\n')
    }, 500)
    try {
      expect((await relay.health()).ok).toBe(true)
      await until(
        () => closed.filter(Boolean).length === slow.length,
        20_000,
        'slow sockets closed',
      )
    } finally {
      clearInterval(drip)
      for (const s of slow) s.destroy()
    }
    expect(relay.alive()).toBe(true)
  })
})
