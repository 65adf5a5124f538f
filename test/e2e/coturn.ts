/**
 * Test helpers for the co-op's TURN: start Debian's coturn (`turnserver`) the way
 * docs/DEPLOY.md configures it (use-auth-secret), and speak just enough TURN (RFC 8656
 * Allocate with the long-term credential of RFC 8489 §9.2) to ask it for a relay address.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TURNSERVER = '/usr/bin/turnserver'

/** A UDP port nobody holds right now (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

export interface Coturn {
  port: number
  output(): string
  stop(): Promise<void>
}

export interface CoturnOptions {
  secret: string
  listenIp: string
  port: number
  realm?: string
  /** Relayed ports; narrow so a test never fights other processes for them. */
  minPort?: number
  maxPort?: number
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
  extraArgs?: string[]
}

/** Starts turnserver in the foreground and waits until it listens. */
export async function startCoturn(o: CoturnOptions): Promise<Coturn> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-coturn-'))
  const args = [
    '-n',
    `--listening-ip=${o.listenIp}`,
    `--relay-ip=${o.listenIp}`,
    `--listening-port=${o.port}`,
    `--realm=${o.realm ?? 'coffer.test'}`,
    '--use-auth-secret',
    `--static-auth-secret=${o.secret}`,
    '--fingerprint',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--no-software-attribute',
    `--min-port=${o.minPort ?? 49160}`,
    `--max-port=${o.maxPort ?? 49200}`,
    `--pidfile=${join(dir, 'turn.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
    '--log-file=stdout',
    '--simple-log',
    ...(o.extraArgs ?? []),
  ]
  const [cmd, argv] =
    o.netns === undefined
      ? [TURNSERVER, args]
      : ['ip', ['netns', 'exec', o.netns, TURNSERVER, ...args]]
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await gone
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    // coturn prints nothing reliable when its listener is up: ask the kernel instead.
    const inNs = o.netns === undefined ? [] : ['ip', 'netns', 'exec', o.netns]
    const deadline = Date.now() + 20_000
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`turnserver exited with ${child.exitCode}:\n${out}`)
      const ss = spawnSync(
        inNs[0] ?? 'ss',
        [...inNs.slice(1), ...(inNs.length > 0 ? ['ss'] : []), '-Hlun', `sport = :${o.port}`],
        { encoding: 'utf8' },
      )
      if (ss.stdout.trim() !== '') break
      if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${out}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { port: o.port, output: () => out, stop }
}

export type AllocateResult =
  { ok: true; relayed: { address: string; port: number } } | { ok: false; code: number }

/**
 * One TURN Allocate over UDP: the unauthenticated request that earns a realm and nonce, then
 * the authenticated one. Resolves with the relayed address, or the error code of the answer.
 */
export async function turnAllocate(
  server: { host: string; port: number },
  username: string,
  password: string,
): Promise<AllocateResult> {
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((r) => socket.bind(0, r))
    const ask = (msg: Buffer): Promise<Buffer> =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error('no answer from TURN')), 5_000)
        socket.once('message', (m) => {
          clearTimeout(timer)
          res(m)
        })
        socket.send(msg, server.port, server.host)
      })
    const transport = stunAttr(0x0019, Buffer.from([17, 0, 0, 0]))
    const first = await ask(stunMessage(0x0003, [transport]))
    const a = readAttrs(first)
    const realm = a.get(0x0014)
    const nonce = a.get(0x0015)
    if (realm === undefined || nonce === undefined) return { ok: false, code: errorCode(first) }
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest()
    const body = [
      transport,
      stunAttr(0x0006, Buffer.from(username)),
      stunAttr(0x0014, realm),
      stunAttr(0x0015, nonce),
    ]
    const msg = stunMessage(0x0003, body, key)
    const answer = await ask(msg)
    if (answer.readUInt16BE(0) !== 0x0103) return { ok: false, code: errorCode(answer) }
    const relayed = readAttrs(answer).get(0x0016)
    if (relayed === undefined) return { ok: false, code: 0 }
    const port = relayed.readUInt16BE(2) ^ 0x2112
    const ip = relayed.readUInt32BE(4) ^ 0x2112a442
    return {
      ok: true,
      relayed: {
        address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'),
        port,
      },
    }
  } finally {
    socket.close()
  }
}

/** One STUN attribute, padded to 4 bytes. */
export function stunAttr(type: number, value: Buffer): Buffer {
  const a = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4)
  a.writeUInt16BE(type, 0)
  a.writeUInt16BE(value.length, 2)
  value.copy(a, 4)
  return a
}

/** A STUN message; with `key`, MESSAGE-INTEGRITY over it (length counted up to the MI). */
function stunMessage(type: number, attrs: Buffer[], key?: Buffer): Buffer {
  const body = Buffer.concat(attrs)
  const head = Buffer.alloc(20)
  head.writeUInt16BE(type, 0)
  head.writeUInt32BE(0x2112a442, 4)
  randomBytes(12).copy(head, 8)
  if (key === undefined) {
    head.writeUInt16BE(body.length, 2)
    return Buffer.concat([head, body])
  }
  head.writeUInt16BE(body.length + 24, 2)
  const mac = createHmac('sha1', key)
    .update(Buffer.concat([head, body]))
    .digest()
  return Buffer.concat([head, body, stunAttr(0x0008, mac)])
}

function readAttrs(msg: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  for (let at = 20; at + 4 <= msg.length;) {
    const len = msg.readUInt16BE(at + 2)
    out.set(msg.readUInt16BE(at), msg.subarray(at + 4, at + 4 + len))
    at += 4 + Math.ceil(len / 4) * 4
  }
  return out
}

function errorCode(msg: Buffer): number {
  const e = readAttrs(msg).get(0x0009)
  return e === undefined ? 0 : (e[2] ?? 0) * 100 + (e[3] ?? 0)
}
