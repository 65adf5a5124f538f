import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'keeper', 'bin', 'coffer-keeper.js')

/** A real `coffer-keeper` process, started and waited for until its banner is out. */
export interface KeeperProcess {
  child: ChildProcess
  peerId: string
  /** Its loopback WebSocket multiaddr, with /p2p/<id>. */
  multiaddr: string
  /** Base URL of /health and /metrics. */
  url: string
  output(): string
  health(): Promise<Record<string, unknown>>
  metrics(): Promise<string>
  /** Sends `signal` (SIGTERM by default), resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

export interface KeeperSpawnOptions {
  invite: string
  dataDir: string
  pledge?: string
  /** A fixed WebSocket port (a restart where members expect it); any free one when absent. */
  port?: number
  args?: string[]
}

export async function spawnKeeper(options: KeeperSpawnOptions): Promise<KeeperProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--join',
      options.invite,
      '--data',
      options.dataDir,
      '--pledge',
      options.pledge ?? '1GB',
      '--listen',
      `/ip4/127.0.0.1/tcp/${options.port ?? 0}/ws`,
      '--http-port',
      '0',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((res) => child.once('exit', () => res()))
  await new Promise<void>((res, rej) => {
    const check = (): void => {
      if (/\/ws\/p2p\/\S+/.test(out)) {
        child.stdout.off('data', check)
        res()
      }
    }
    child.stdout.on('data', check)
    void exited.then(() => rej(new Error(`keeper exited before its banner:\n${out}`)))
  })
  const multiaddr = /(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/\S+)/.exec(out)?.[1] ?? ''
  const url = /HTTP: (http:\/\/\S+)/.exec(out)?.[1] ?? ''
  return {
    child,
    peerId: multiaddr.split('/p2p/')[1] ?? '',
    multiaddr,
    url,
    output: () => out,
    health: async () => (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}
