/**
 * The co-op's network boundary with a real relay: an outsider who knows only the relay's
 * address listens to everything the relay routes for discovery and learns no member's peer ID
 * or address; its store, space and delete requests to a member (a keeper, which anyone can
 * reach over its WebSocket) are refused with NOT_MEMBER. docs/MEMBERSHIP.md.
 */
import '../../src/core/polyfills.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { createCoop, parseInvite } from '../../src/net/coop.ts'
import { DISCOVERY_TOPIC_PREFIX } from '../../src/net/constants.ts'
import { StoreRefusedError } from '../../src/net/store/index.ts'
import { expect, inviteLinkOf, peerIdOf, test, waitForDirectPeers } from './fixtures.ts'
import { startMember } from '../relay/member.ts'
import { dialKeeper, startClient } from '../keeper/keeper-client.ts'
import { spawnKeeper, type KeeperProcess } from '../keeper/keeper-process.ts'
import { randomBytes, shard } from '../unit/store-test-nodes.ts'

interface Heard {
  topic: string
  type: string
  data: Uint8Array
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

test('an outsider who knows only the relay learns no member from discovery and is refused', async ({
  openPeer,
  relay,
}) => {
  test.setTimeout(180_000)
  // The outsider listens from the start, and follows every discovery topic the relay has.
  const outsider = await startMember(relay.multiaddrs[0]!, { reserve: false })
  const heard: Heard[] = []
  const pubsub = outsider.services.pubsub
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const { topic, subscribe } of evt.detail.subscriptions) {
      if (subscribe && topic.startsWith(DISCOVERY_TOPIC_PREFIX)) pubsub.subscribe(topic)
    }
  })
  pubsub.addEventListener('message', (evt) => {
    heard.push({ topic: evt.detail.topic, type: evt.detail.type, data: evt.detail.data })
  })

  const dir = await mkdtemp(join(tmpdir(), 'coffer-gate-keeper-'))
  let keeper: KeeperProcess | undefined
  const outsiderClient = await startClient(createCoop({ relays: relay.multiaddrs }))
  try {
    const a = await openPeer()
    const invite = await inviteLinkOf(a.page)
    const b = await openPeer({ url: invite })
    keeper = await spawnKeeper({ invite, dataDir: dir })
    await waitForDirectPeers(a.page, 1, 90_000)
    await waitForDirectPeers(b.page, 1, 90_000)
    const ids = [await peerIdOf(a.page), await peerIdOf(b.page), keeper.peerId]

    await expect.poll(() => heard.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
    const topic = heard[0]!.topic
    // The topic names no co-op: not its ID, not its name.
    const coop = parseInvite(invite)
    expect(topic).not.toContain(coop.id)
    for (const m of heard) {
      // Unsigned: no `from`, and the data is ciphertext naming nobody.
      expect(m.type).toBe('unsigned')
      const text = new TextDecoder().decode(m.data)
      for (const id of ids) {
        expect(contains(m.data, peerIdFromString(id).toMultihash().bytes)).toBe(false)
        expect(text).not.toContain(id)
      }
      expect(text).not.toContain('127.0.0.1')
      expect(text).not.toContain('/p2p-circuit')
    }
    // Nor did libp2p learn them some other way (peer exchange, identify) from the relay.
    const known = (await outsider.peerStore.all()).map((p) => p.id.toString())
    for (const id of ids) expect(known).not.toContain(id)

    // A member reachable directly (the keeper's WebSocket is public in /config.json) refuses
    // everything but fetch and has to an outsider holding another co-op's secret.
    await expect(dialKeeper(outsiderClient, keeper.multiaddr)).rejects.toThrow(/refused/)
    const keeperId = peerIdFromString(keeper.peerId)
    const bytes = randomBytes(4096)
    const cid = await shard(bytes)
    const refusal = (err: unknown): string =>
      err instanceof StoreRefusedError ? err.reason : String(err)
    const s = outsiderClient.services
    expect(await s.store.storeShard(keeperId, cid, bytes).then(() => 'stored', refusal)).toBe(
      'NOT_MEMBER',
    )
    expect(await s.store.deleteShards(keeperId, [cid]).then(() => 'deleted', refusal)).toBe(
      'NOT_MEMBER',
    )
    await expect(s.fetch.freeSpace(keeperId)).rejects.toThrow(/NOT_MEMBER/)
    // Fetch stays open, as for a share link's guest.
    expect(await s.fetch.whoHas(keeperId, [cid])).toEqual([false])
  } finally {
    await outsiderClient.stop()
    await outsider.stop()
    await keeper?.kill()
    await rm(dir, { recursive: true, force: true })
  }
})
