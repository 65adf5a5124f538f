import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { equals } from '../../src/core/bytes.ts'
import { createCoop, formatInvite } from '../../src/net/coop.ts'
import type { Coop } from '../../src/net/types.ts'
import { StoreRefusedError } from '../../src/net/store/index.ts'
import { spawnRelay, type RelayProcess } from '../relay/relay-process.ts'
import { randomBytes, shard } from '../unit/store-test-nodes.ts'
import { spawnKeeper, type KeeperProcess } from './keeper-process.ts'
import { dialKeeper, startClient, type ClientLibp2p } from './keeper-client.ts'

const SHARD_BYTES = 256 * 1024
const SHARDS = 120
/** Acknowledged shards before the keeper is killed, with more stores still in flight. */
const KILL_AFTER = 30
const IN_FLIGHT = 6

let relay: RelayProcess
let invite: string
let coop: Coop
const dirs: string[] = []
const keepers: KeeperProcess[] = []
const clients: ClientLibp2p[] = []

beforeAll(async () => {
  relay = await spawnRelay({ args: ['--stun-port', '0'] })
  coop = createCoop({ relays: [relay.multiaddr], name: 'Keeper test' })
  invite = formatInvite(coop, 'http://x')
})
afterAll(async () => {
  for (const c of clients) await c.stop()
  for (const k of keepers) await k.kill('SIGKILL')
  await relay?.stop()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function dataDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'coffer-keeper-'))
  dirs.push(d)
  return d
}

async function keeper(dir: string, pledge?: string): Promise<KeeperProcess> {
  const k = await spawnKeeper({ invite, dataDir: dir, ...(pledge ? { pledge } : {}) })
  keepers.push(k)
  return k
}

async function client(): Promise<ClientLibp2p> {
  const c = await startClient(coop)
  clients.push(c)
  return c
}

describe('coffer-keeper', () => {
  it('serves every shard it acknowledged after kill -9, and the interrupted upload completes', async () => {
    const dir = await dataDir()
    let k = await keeper(dir)
    const member = await client()
    await dialKeeper(member, k.multiaddr)
    const peer = peerIdFromString(k.peerId)
    const blocks = await Promise.all(
      Array.from({ length: SHARDS }, async () => {
        const bytes = randomBytes(SHARD_BYTES)
        return { bytes, cid: await shard(bytes) }
      }),
    )
    const acknowledged = new Set<number>()
    let killed: Promise<void> | undefined
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < SHARDS && killed === undefined) {
        const i = next++
        try {
          await member.services.store.storeShard(peer, blocks[i]!.cid, blocks[i]!.bytes)
          acknowledged.add(i)
          if (acknowledged.size >= KILL_AFTER) killed ??= k.kill('SIGKILL')
        } catch {
          // In flight when the keeper died: not acknowledged, stored again below.
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    await killed
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER)
    expect(acknowledged.size).toBeLessThan(SHARDS)

    k = await keeper(dir)
    await dialKeeper(member, k.multiaddr)
    const fetched = await Promise.all(
      [...acknowledged].map(async (i) => {
        const got = await member.services.fetch.fetchShard(peer, blocks[i]!.cid)
        return equals(got, blocks[i]!.bytes)
      }),
    )
    expect(fetched.every(Boolean)).toBe(true)
    // A restart keeps no shard it did not acknowledge beyond those, and nothing half-written.
    const health = await k.health()
    expect(health.shards).toBeGreaterThanOrEqual(acknowledged.size)
    expect(health.shards).toBeLessThanOrEqual(acknowledged.size + IN_FLIGHT)

    // The owner resumes: the shards it has no receipt for are stored again, and all are served.
    for (let i = 0; i < SHARDS; i++) {
      if (!acknowledged.has(i)) {
        await member.services.store.storeShard(peer, blocks[i]!.cid, blocks[i]!.bytes)
      }
    }
    const have = await member.services.fetch.whoHas(
      peer,
      blocks.map((b) => b.cid),
    )
    expect(have.every(Boolean)).toBe(true)
    expect((await k.health()).shards).toBe(SHARDS)
    expect(await k.metrics()).toMatch(/coffer_keeper_shards 120\b/)
  }, 240_000)

  it('refuses new shards with PLEDGE_FULL once the pledge is used, and counts the refusal', async () => {
    const k = await keeper(await dataDir(), '1MB')
    const member = await client()
    await dialKeeper(member, k.multiaddr)
    const peer = peerIdFromString(k.peerId)
    const stored: CID[] = []
    let refusal: unknown
    for (let i = 0; i < 5 && refusal === undefined; i++) {
      const bytes = randomBytes(SHARD_BYTES)
      const cid = await shard(bytes)
      try {
        await member.services.store.storeShard(peer, cid, bytes)
        stored.push(cid)
      } catch (err) {
        refusal = err
      }
    }
    // 1 MB holds three shards of 256 KiB, not four.
    expect(stored).toHaveLength(3)
    expect(refusal).toBeInstanceOf(StoreRefusedError)
    expect((refusal as StoreRefusedError).reason).toBe('PLEDGE_FULL')
    expect((await k.health()).refusals).toEqual({ PLEDGE_FULL: 1 })
    expect(await k.metrics()).toMatch(/coffer_keeper_refusals_total\{reason="PLEDGE_FULL"\} 1/)
  })
})
