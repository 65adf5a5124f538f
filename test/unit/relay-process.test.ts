import { afterEach, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'relay', 'bin', 'coffer-relay.js')

interface Started {
  child: ChildProcess
  url: string
  output: () => string
}

function startRelay(dataDir: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [BIN, '--host', '127.0.0.1', '--port', '0', '--stun-port', '0', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  return new Promise((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /HTTP: (http:\/\/\S+)/.exec(out)?.[1]
      if (url !== undefined && out.includes('/p2p/')) res({ child, url, output: () => out })
    })
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => rej(new Error(`relay exited with ${code}:\n${out}`)))
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    child.once('exit', (code) => res(code))
    child.kill('SIGTERM')
  })
}

interface Health {
  ok: boolean
  peerId: string
  uptime: number
  connections: number
  reservations: number
}

describe('relay process', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  it('serves /health, keeps its peer ID across a restart, and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-relay-test-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))

    const first = await startRelay(dataDir)
    cleanups.push(() => (first.child.exitCode === null ? stop(first.child) : Promise.resolve()))
    const res = await fetch(`${first.url}/health`)
    expect(res.status).toBe(200)
    const health = (await res.json()) as Health
    expect(health.ok).toBe(true)
    expect(health.peerId).toMatch(/^12D3KooW/)
    expect(health.connections).toBe(0)
    expect(health.reservations).toBe(0)
    expect(typeof health.uptime).toBe('number')
    // The banner's multiaddrs carry the same peer ID.
    expect(first.output()).toContain(`/p2p/${health.peerId}`)

    const config = (await (await fetch(`${first.url}/config.json`)).json()) as { relays: string[] }
    expect(config.relays.length).toBeGreaterThan(0)
    for (const r of config.relays) expect(r).toMatch(new RegExp(`/ws/p2p/${health.peerId}$`))
    expect((await fetch(`${first.url}/nothing-here`)).status).toBe(404)

    expect(await stop(first.child)).toBe(0)

    const second = await startRelay(dataDir)
    cleanups.push(() => (second.child.exitCode === null ? stop(second.child) : Promise.resolve()))
    const again = (await (await fetch(`${second.url}/health`)).json()) as Health
    expect(again.peerId).toBe(health.peerId)
    expect(await stop(second.child)).toBe(0)
  })

  it('gets a new peer ID with a new data dir', async () => {
    const [a, b] = await Promise.all([
      mkdtemp(join(tmpdir(), 'coffer-relay-test-')),
      mkdtemp(join(tmpdir(), 'coffer-relay-test-')),
    ])
    cleanups.push(() => rm(a, { recursive: true, force: true }))
    cleanups.push(() => rm(b, { recursive: true, force: true }))
    const ra = await startRelay(a)
    const rb = await startRelay(b)
    cleanups.push(() => stop(ra.child))
    cleanups.push(() => stop(rb.child))
    const ha = (await (await fetch(`${ra.url}/health`)).json()) as Health
    const hb = (await (await fetch(`${rb.url}/health`)).json()) as Health
    expect(ha.peerId).not.toBe(hb.peerId)
  })
})
