import { createHeliaLight } from 'helia'
import { withLibp2pLight } from '@helia/libp2p'
import { withBitswap, type BitswapOptions } from '@helia/bitswap'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { openCofferDB } from '../storage/db.ts'
import { IdbHoldingLedger } from '../storage/holding-ledger.ts'
import { idbPledge, idbSpace, type StorageEstimateLike } from '../storage/pledge.ts'
import { localStripeCodec, type StripeCodec } from '../core/stripe.ts'
import { cofferStore, type ShardBuilder } from './store/index.ts'
import { cofferFetch, type CofferFetch } from './fetch/index.ts'
import { cofferMember, ProvenMembers } from './member/index.ts'
import { sealedDiscovery, type SealedDiscovery } from './discovery/index.ts'
import type { Coop } from './types.ts'
import type { CofferHelia, RunningCofferNode } from './node-types.ts'
import { acquireIdentity } from './identity.ts'
import { cofferGater } from './gater.ts'
import { coopIce } from './ice.ts'
import { coopKeys } from './coop.ts'
import { CoopPeer } from './coop-peer.ts'
import { NoRelayError } from './errors.ts'
import {
  DISCOVERY_INTERVAL_MS,
  DISCOVERY_SLOW_INTERVAL_MS,
  MAX_PUBSUB_MESSAGE_BYTES,
  WEBRTC_MAX_MESSAGE_BYTES,
} from './constants.ts'

export type { CofferServices, CofferLibp2p, CofferHelia, RunningCofferNode } from './node-types.ts'

export interface CofferNodeInit {
  coop: Coop
  /** IndexedDB database of the peer key; tests use a fresh name per node. */
  dbName?: string
  /** Re-announce interval on the co-op discovery topic while peers are still being found. */
  discoveryInterval?: number
  /** Re-announce interval once every member heard is directly connected. */
  discoverySlowInterval?: number
  /**
   * The erasure code for shards this peer builds for others (a page passes its worker pool);
   * the calling thread when absent.
   */
  codec?: () => Promise<Pick<StripeCodec, 'rebuildShards'>>
  /** Helia's bitswap settings (the bench lengthens its timeouts for slow links). */
  bitswap?: BitswapOptions
  /** The co-op's keepers (from the relay's /config.json): named, so the gater lets them be dialled. */
  keepers?: string[]
}

export interface CreateCofferNodeOptions {
  signal?: AbortSignal
}

/**
 * Starts this device's peer for a co-op: Helia (bitswap, IndexedDB blockstore) over libp2p
 * with WebRTC, WebSockets and circuit relay; keeps a reservation on the co-op's relays,
 * discovers co-op peers on the co-op's sealed topic, upgrades each to direct WebRTC and
 * proves membership on every direct connection. Throws MissingCoopSecretError for a co-op
 * without a secret.
 */
export async function createCofferNode(
  init: CofferNodeInit,
  options: CreateCofferNodeOptions = {},
): Promise<RunningCofferNode> {
  const { coop } = init
  const keys = coopKeys(coop)
  const relays = coop.relays.map((a) => multiaddr(a))
  const relayIds = new Set<string>()
  for (const r of relays) {
    const id = r.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (id !== undefined) relayIds.add(peerIdFromString(id).toString())
  }
  if (relayIds.size === 0) throw new NoRelayError('a co-op lists no relay with a peer ID')

  // The only place this node's RTCPeerConnections get their ICE servers: the co-op's own.
  const ice = coopIce({ relays: coop.relays })
  const identity = await acquireIdentity({ dbName: init.dbName, signal: options.signal })
  try {
    const suffix = identity.slot === 0 ? '' : `-${identity.slot}`
    const prefix = init.dbName ?? 'coffer'
    const blockstore = new IDBBlockstore(`${prefix}-blocks${suffix}`)
    const datastore = new IDBDatastore(`${prefix}-data${suffix}`)
    await blockstore.open()
    await datastore.open()
    const db = await openCofferDB(init.dbName)
    // The pledge default is a share of what the browser lets this origin keep.
    const estimate: StorageEstimateLike | undefined = await globalThis.navigator?.storage
      ?.estimate?.()
      .catch(() => undefined)
    options.signal?.throwIfAborted()

    // The service re-announces at the slow rate; the peer adds announcements while unsettled.
    const discover = sealedDiscovery({
      keys,
      interval: init.discoverySlowInterval ?? DISCOVERY_SLOW_INTERVAL_MS,
    })
    let discovery: SealedDiscovery | undefined
    const members = new ProvenMembers()
    // Bound once the node exists: the store service reads sources through the fetch service.
    const late: { fetch?: CofferFetch } = {}
    const builder: ShardBuilder = {
      fetch: async (peer, cid, o) => {
        if (late.fetch === undefined) throw new Error('the node is not started')
        return late.fetch.fetchShard(peer, cid, o)
      },
      rebuild: async (input, o) =>
        (await (init.codec?.() ?? localStripeCodec)).rebuildShards(input, o),
    }
    const helia = withBitswap(
      withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
        privateKey: identity.privateKey,
        addresses: { listen: ['/p2p-circuit', '/webrtc'] },
        transports: [
          webSockets(),
          webRTC({
            dataChannel: { maxMessageSize: WEBRTC_MAX_MESSAGE_BYTES },
            rtcConfiguration: () => ice.rtcConfiguration(),
          }),
          circuitRelayTransport(),
        ],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionGater: cofferGater({ named: [...coop.relays, ...(init.keepers ?? [])] }),
        // Pings stall behind bulk WebRTC transfers; aborting then killed healthy connections.
        connectionMonitor: { abortConnectionOnPingFailure: false },
        peerDiscovery: [(components) => (discovery = discover(components))],
        services: {
          identify: identify(),
          ping: ping(),
          pubsub: gossipsub({
            allowPublishToZeroTopicPeers: true,
            maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
            // A signature would name the announcing peer in clear (SealedDiscovery).
            globalSignaturePolicy: 'StrictNoSign',
          }),
          member: cofferMember({
            memberKey: keys.memberKey,
            members,
            skip: (peer) => relayIds.has(peer.toString()),
          }),
          // Holdings are kept alive by the ledger, not Helia pins: never run helia.gc() here.
          store: cofferStore({
            blockstore,
            holdings: new IdbHoldingLedger(
              db,
              peerIdFromPrivateKey(identity.privateKey).toString(),
            ),
            pledge: idbPledge(db, estimate),
            builder,
            members,
          }),
          fetch: cofferFetch({ blockstore, space: idbSpace(db, estimate), members }),
        },
      }),
      init.bitswap,
    ) as unknown as CofferHelia
    await helia.start()
    late.fetch = helia.libp2p.services.fetch
    if (discovery === undefined) throw new Error('libp2p did not start the sealed discovery')
    const node = new CoopPeer({
      coop,
      helia,
      relays,
      relayIds,
      identity,
      db,
      ice,
      discovery,
      members,
      interval: init.discoveryInterval ?? DISCOVERY_INTERVAL_MS,
    })
    if (options.signal?.aborted === true) {
      await node.stop()
      options.signal.throwIfAborted()
    }
    return node
  } catch (err) {
    identity.release()
    throw err
  }
}
