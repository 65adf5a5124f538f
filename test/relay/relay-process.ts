import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'relay', 'bin', 'coffer-relay.js')

/** A real `coffer-relay` process on a free loopback port. */
export interface RelayProcess {
  child: ChildProcess
  url: string
  port: number
  peerId: string
  /** The relay's loopback WebSocket multiaddr, with /p2p/<id>. */
  multiaddr: string
  output(): string
  /** True while the process has not exited. */
  alive(): boolean
  /** Resident set size in MiB, from /proc. */
  rssMiB(): Promise<number>
  health(): Promise<Record<string, unknown>>
  /** SIGTERM, resolves with the exit code. */
  stop(): Promise<number | null>
}

export interface SpawnOptions {
  args?: string[]
  dataDir?: string
  env?: Record<string, string>
  /** A fixed port, to restart a relay where its members expect it. */
  port?: number
}

/** Starts the relay binary and waits for its banner. */
export async function spawnRelay(options: SpawnOptions = {}): Promise<RelayProcess> {
  const own = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'coffer-relay-fuzz-')))
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      dataDir,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
  await new Promise<void>((res, rej) => {
    const check = (): void => {
      if (/HTTP: http:\/\/\S+/.test(out) && /\/ws\/p2p\/\S+/.test(out)) {
        child.stdout.off('data', check)
        res()
      }
    }
    child.stdout.on('data', check)
    void exited.then((code) => rej(new Error(`relay exited with ${code}:\n${out}`)))
  })
  const url = /HTTP: (http:\/\/\S+)/.exec(out)?.[1] ?? ''
  const multiaddr = /(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/\S+)/.exec(out)?.[1] ?? ''
  const peerId = multiaddr.split('/p2p/')[1] ?? ''
  const port = Number(new URL(url).port)
  let code: number | null | undefined
  void exited.then((c) => (code = c))
  return {
    child,
    url,
    port,
    peerId,
    multiaddr,
    output: () => out,
    alive: () => code === undefined,
    rssMiB: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8')
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN)
      return kb / 1024
    },
    health: async () => (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>,
    stop: async () => {
      if (code === undefined) child.kill('SIGTERM')
      const c = await exited
      if (own) await rm(dataDir, { recursive: true, force: true })
      return c
    },
  }
}
