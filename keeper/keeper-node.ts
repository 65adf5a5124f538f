import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { logger } from '@libp2p/logger'
import { cofferStore, type CofferStore, type ShardBuilder } from '../src/net/store/index.ts'
import { cofferFetch, type CofferFetch } from '../src/net/fetch/index.ts'
import { cofferMember, ProvenMembers, type CofferMember } from '../src/net/member/index.ts'
import { MAX_PUBSUB_MESSAGE_BYTES } from '../src/net/constants.ts'
import type { Coop } from '../src/net/types.ts'
import { localStripeCodec } from '../src/core/stripe.ts'
import { DiskBlockstore, DiskHoldingLedger, diskSpace } from '../src/storage/disk/index.ts'
import { keeperIdentity } from './identity.ts'
import { keeperDiscovery } from './discovery.ts'
import { keepRelays } from './relay-links.ts'
import { KeeperMetrics } from './metrics.ts'
import { installWebSocket } from './websocket-global.ts'

const log = logger('coffer:keeper')

export type KeeperServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  member: CofferMember
  store: CofferStore
  fetch: CofferFetch
}

export interface KeeperNodeInit {
  coop: Coop
  dataDir: string
  pledgeBytes: number
  listen: string[]
  announce?: string[]
  /** Free bytes on the data directory's disk; tests pass a small disk. */
  available?: (dir: string) => Promise<number>
  /** Space left free on the disk whatever the pledge. */
  headroom?: number
}

export interface KeeperHealth {
  peerId: string
  shards: number
  bytes: number
  pledgeBytes: number
  freeBytes: number
  relays: { connected: number; of: number }
  connections: number
  refusals: Record<string, number>
}

export interface KeeperNode {
  readonly peerId: string
  readonly libp2p: Libp2p<KeeperServices>
  readonly metrics: KeeperMetrics
  /** Addresses members dial: the announced ones, or else the listening WebSocket ones. */
  multiaddrs(): string[]
  health(): Promise<KeeperHealth>
  stop(): Promise<void>
}

/**
 * Starts a keeper's libp2p node: WebSockets (browsers dial it directly, so shard bytes never
 * ride a relay) and circuit relay for a reservation on each co-op relay, the store and fetch
 * services of a tab over a blockstore and holdings journal on disk, and the co-op's discovery.
 */
export async function startKeeperNode(init: KeeperNodeInit): Promise<KeeperNode> {
  installWebSocket()
  const privateKey = await keeperIdentity(init.dataDir)
  const peerId = peerIdFromPrivateKey(privateKey).toString()
  const metrics = new KeeperMetrics()
  const holdings = new DiskHoldingLedger(init.dataDir, peerId)
  const blocks = new DiskBlockstore(init.dataDir, {
    onCorrupt: (cid) => {
      metrics.corruptBlock()
      // The owner may store it again; until then the keeper neither serves nor counts it.
      holdings.forget(cid.toString()).catch((err: unknown) => {
        log.error('could not drop the holding of corrupt block %s - %e', cid, err)
      })
    },
  })
  await blocks.open()
  await holdings.open()
  await reconcile(blocks, holdings)
  const space = diskSpace(init.dataDir, holdings, {
    pledge: init.pledgeBytes,
    ...(init.headroom !== undefined ? { headroom: init.headroom } : {}),
    ...(init.available !== undefined ? { available: init.available } : {}),
  })
  // The fetch service reads through this, so /metrics counts what members and guests asked.
  const served = {
    get: (cid: CID, options?: { signal?: AbortSignal }) =>
      countedGet(blocks, metrics, cid, options),
    has: async (cid: CID) => {
      const found = await blocks.has(cid)
      metrics.fetchAnswered('has', found)
      return found
    },
  }
  const late: { fetch?: CofferFetch } = {}
  const builder: ShardBuilder = {
    fetch: async (peer, cid, o) => {
      if (late.fetch === undefined) throw new Error('the keeper is not started')
      return late.fetch.fetchShard(peer, cid, o)
    },
    rebuild: (input, o) => localStripeCodec.rebuildShards(input, o),
  }
  const discovery = keeperDiscovery(init.coop)
  const members = new ProvenMembers()
  const relayIds = new Set(init.coop.relays.map((r) => r.slice(r.lastIndexOf('/p2p/') + 5)))
  const libp2p = await createLibp2p<KeeperServices>({
    privateKey,
    addresses: {
      listen: [...init.listen, '/p2p-circuit'],
      ...(init.announce !== undefined && init.announce.length > 0
        ? { announce: init.announce }
        : {}),
    },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // As in a tab: pings stall behind bulk transfers, and aborting then killed healthy links.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    peerDiscovery: [discovery.peerDiscovery],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
        // As in a tab: a signature would name the keeper in clear on the topic.
        globalSignaturePolicy: 'StrictNoSign',
      }),
      member: cofferMember({
        memberKey: discovery.memberKey,
        members,
        skip: (peer) => relayIds.has(peer.toString()),
      }),
      store: cofferStore({
        blockstore: blocks,
        holdings,
        pledge: space,
        builder,
        observe: (request, outcome) => metrics.storeAnswered(request, outcome),
        members,
      }),
      fetch: cofferFetch({ blockstore: served, space, members }),
    },
  })
  late.fetch = libp2p.services.fetch
  const stopping = new AbortController()
  const relays = keepRelays(libp2p, init.coop.relays, stopping.signal)
  metrics.watch({
    shards: () => holdings.size,
    bytes: () => holdings.entries().reduce((n, e) => n + e.size, 0),
    pledgeBytes: () => space.pledgedBytes(),
    relaysConnected: () => relays.connected(),
    connections: () => libp2p.getConnections().length,
  })
  log('keeper %s holds %d shards', peerId, holdings.size)

  return {
    peerId,
    libp2p,
    metrics,
    multiaddrs: () =>
      libp2p
        .getMultiaddrs()
        .map((a) => a.toString())
        .filter((a) => !a.includes('/p2p-circuit') && /\/wss?\//.test(`${a}/`)),
    health: async () => ({
      peerId,
      shards: holdings.size,
      bytes: await holdings.usedBytes(),
      pledgeBytes: await space.pledgedBytes(),
      freeBytes: await space.freeBytes(),
      relays: { connected: relays.connected(), of: init.coop.relays.length },
      connections: libp2p.getConnections().length,
      refusals: { ...metrics.refusals },
    }),
    stop: async () => {
      stopping.abort()
      await libp2p.stop()
      await holdings.close()
    },
  }
}

async function* countedGet(
  blocks: DiskBlockstore,
  metrics: KeeperMetrics,
  cid: CID,
  options?: { signal?: AbortSignal },
): AsyncGenerator<Uint8Array> {
  let found = false
  try {
    for await (const part of blocks.get(cid)) {
      found = true
      options?.signal?.throwIfAborted()
      yield part
    }
  } finally {
    metrics.fetchAnswered('fetch', found)
  }
}

/**
 * After a crash: a block file no holding names was written but never acknowledged (the
 * receipt is signed only after the journal line is synced), so it goes; a holding whose file
 * is gone cannot be served, so it is dropped and logged, and the owner's repair finds it.
 */
async function reconcile(blocks: DiskBlockstore, holdings: DiskHoldingLedger): Promise<void> {
  const held = new Set(holdings.entries().map((e) => e.cid))
  const present = new Set<string>()
  for await (const name of blocks.names()) {
    if (held.has(name)) present.add(name)
    else await blocks.deleteName(name)
  }
  for (const cid of held) {
    if (present.has(cid)) continue
    log.error('holding %s has no block file; dropping it', cid)
    await holdings.forget(cid)
  }
}
