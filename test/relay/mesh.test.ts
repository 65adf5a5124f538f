import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toString as u8ToString, fromString as u8FromString } from 'uint8arrays'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { reserved, startMember, until, type Member } from './member.ts'
import { DISCOVERY_TOPIC_PREFIX } from '../../relay/constants.ts'

const TOPIC = `${DISCOVERY_TOPIC_PREFIX}meshed-pod`

interface PlannedRelay {
  port: number
  dataDir: string
  addr: string
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  const { port } = server.address() as { port: number }
  await new Promise<void>((res) => server.close(() => res()))
  return port
}

/** A relay's port and identity chosen before it starts, so the others can name it in --mesh. */
async function planRelay(): Promise<PlannedRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coffer-relay-mesh-'))
  const key = await generateKeyPair('Ed25519')
  await writeFile(join(dataDir, 'peer-key'), privateKeyToProtobuf(key), { mode: 0o600 })
  const port = await freePort()
  const addr = `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerIdFromPrivateKey(key).toString()}`
  return { port, dataDir, addr }
}

/** Records every discovery message a member hears, by its sender's label. */
function listen(member: Member): Set<string> {
  const heard = new Set<string>()
  member.services.pubsub.addEventListener('message', (evt) => {
    if (evt.detail.topic === TOPIC) heard.add(u8ToString(evt.detail.data).split(' ')[0] ?? '')
  })
  member.services.pubsub.subscribe(TOPIC)
  return heard
}

/** Announces `label` every 500 ms (as the app re-announces while unsettled) until `done`. */
async function announceUntil(
  member: Member,
  label: string,
  done: () => boolean,
  what: string,
): Promise<void> {
  let round = 0
  const timer = setInterval(() => {
    // Discovery is unsigned, so gossipsub tells messages apart by their bytes: each round differs.
    const data = u8FromString(`${label} ${++round} ${Math.random()}`)
    member.services.pubsub.publish(TOPIC, data).catch(() => {
      // No topic peer yet: the next round goes out once the subscription has spread.
    })
  }, 500)
  try {
    await until(done, 60_000, what)
  } finally {
    clearInterval(timer)
  }
}

describe('relay: three meshed relays of one pod', () => {
  const plans: PlannedRelay[] = []
  const relays: RelayProcess[] = []
  const members: Member[] = []

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) plans.push(await planRelay())
    for (const p of plans) {
      const mesh = plans.filter((o) => o !== p).flatMap((o) => ['--mesh', o.addr])
      mesh.push('--stun-port', '0')
      relays.push(await spawnRelay({ port: p.port, dataDir: p.dataDir, args: mesh }))
    }
  })
  afterAll(async () => {
    await Promise.all(members.map(async (m) => m.stop()))
    await Promise.all(relays.map(async (r) => r.stop()))
    await Promise.all(plans.map(async (p) => rm(p.dataDir, { recursive: true, force: true })))
  })

  it('connects every relay to the two others and lists all three in /config.json', async () => {
    for (const r of relays) {
      const end = Date.now() + 30_000
      while ((await r.health()).meshRelays !== 2) {
        if (Date.now() > end) throw new Error(`relay ${r.peerId} did not mesh:\n${r.output()}`)
        await new Promise((res) => setTimeout(res, 200))
      }
      const config = (await (await fetch(`${r.url}/config.json`)).json()) as { relays: string[] }
      expect(new Set(config.relays)).toEqual(new Set(plans.map((p) => p.addr)))
    }
  })

  it('routes discovery between members reserved on different relays, and survives one relay killed', async () => {
    const [a, b, c] = plans.map((p) => p.addr) as [string, string, string]
    // One member per relay: each hears the others only through the mesh.
    const onA = await startMember(a)
    const onB = await startMember(b)
    const onC = await startMember(c)
    members.push(onA, onB, onC)
    await Promise.all([onA, onB, onC].map((m) => reserved(m)))
    const heard = [onA, onB, onC].map(listen)
    const everyone = (): boolean => heard.every((h) => h.size === 2)
    await Promise.all([
      announceUntil(onA, 'A', everyone, 'A heard across the mesh'),
      announceUntil(onB, 'B', everyone, 'B heard across the mesh'),
      announceUntil(onC, 'C', everyone, 'C heard across the mesh'),
    ])
    expect([...(heard[0] ?? [])].sort()).toEqual(['B', 'C'])
    expect([...(heard[2] ?? [])].sort()).toEqual(['A', 'B'])

    // Relay B dies without a word; the members on A and C still find each other, and a
    // newcomer on C finds the member on A through the relays left.
    relays[1]?.child.kill('SIGKILL')
    await until(() => relays[1]?.alive() === false, 10_000, 'relay B exited')
    heard[0]?.clear()
    heard[2]?.clear()
    const newcomer = await startMember(c)
    members.push(newcomer)
    await reserved(newcomer)
    const newHeard = listen(newcomer)
    const settled = (): boolean =>
      newHeard.has('A') && (heard[0]?.has('C2') ?? false) && (heard[2]?.has('A') ?? false)
    await Promise.all([
      announceUntil(onA, 'A', settled, 'A heard after relay B died'),
      announceUntil(newcomer, 'C2', settled, 'the newcomer heard after relay B died'),
    ])

    // Signalling still works: the newcomer reaches the member on A through A's circuit.
    const circuit = multiaddr(`${a}/p2p-circuit/p2p/${onA.peerId.toString()}`)
    const conn = await newcomer.dial(circuit, { signal: AbortSignal.timeout(20_000) })
    expect(conn.remotePeer.equals(onA.peerId)).toBe(true)
    const rtt = await newcomer.services.ping.ping(onA.peerId, {
      signal: AbortSignal.timeout(10_000),
    })
    expect(rtt).toBeGreaterThanOrEqual(0)
  })
})
