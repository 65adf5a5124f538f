import { createHeliaLight } from 'helia'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { withBitswap, type BitswapOptions } from '@helia/bitswap'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { TypedEventEmitter } from 'main-event'
import type { IDBPDatabase } from 'idb'
import { openCofferDB, type CofferDB } from '../storage/db.ts'
import { IdbHoldingLedger } from '../storage/holding-ledger.ts'
import { idbPledge, idbSpace, type StorageEstimateLike } from '../storage/pledge.ts'
import { localStripeCodec, type StripeCodec } from '../core/stripe.ts'
import { cofferStore, type CofferStore, type ShardBuilder } from './store/index.ts'
import { cofferFetch, type CofferFetch } from './fetch/index.ts'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { CofferNode, CofferNodeEvents, Coop, NodeStatus, PeerView } from './types.ts'
import { acquireIdentity, type IdentitySlot } from './identity.ts'
import { cofferGater } from './gater.ts'
import { coopIce, type CoopIce } from './ice.ts'
import { PeerLinks } from './peer-links.ts'
import { AnnounceSchedule, type MemberLinks } from './announce-schedule.ts'
import { discoveryTopic } from './coop.ts'
import { DirectDialError, NoRelayError, UnprovenConnectionError } from './errors.ts'
import {
  DIAL_TIMEOUT_MS,
  DISCOVERY_INTERVAL_MS,
  DISCOVERY_SLOW_INTERVAL_MS,
  FALLBACK_DIAL_AFTER_MS,
  MAX_PUBSUB_MESSAGE_BYTES,
  MEMBER_QUIET_MS,
  UNPROVEN_CONNECTION_MS,
  RELAY_RETRY_MAX_MS,
  RELAY_RETRY_MIN_MS,
  WEBRTC_MAX_MESSAGE_BYTES,
} from './constants.ts'

const log = logger('coffer:net:node')

export type CofferServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  store: CofferStore
  fetch: CofferFetch
}

export type CofferLibp2p = Libp2p<CofferServices>
export type CofferHelia = HeliaWithLibp2p<CofferServices>

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

/** A running co-op peer with the network internals the Coffer protocols build on. */
export interface RunningCofferNode extends CofferNode {
  readonly helia: CofferHelia
  readonly libp2p: CofferLibp2p
  /** The gossipsub topic this co-op discovers its peers on. */
  readonly topic: string
  /** Coffer's IndexedDB database (files, receipts, holdings, pledge). */
  readonly db: IDBPDatabase<CofferDB>
}

/**
 * Starts this device's peer for a co-op: Helia (bitswap, IndexedDB blockstore) over libp2p
 * with WebRTC, WebSockets and circuit relay; keeps a reservation on the co-op's relays,
 * discovers co-op peers on the co-op's gossipsub topic and upgrades each to direct WebRTC.
 */
export async function createCofferNode(
  init: CofferNodeInit,
  options: CreateCofferNodeOptions = {},
): Promise<RunningCofferNode> {
  const { coop } = init
  const relays = coop.relays.map((a) => multiaddr(a))
  const relayIds = new Set<string>()
  for (const r of relays) {
    const id = r.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (id !== undefined) relayIds.add(peerIdFromString(id).toString())
  }
  if (relayIds.size === 0) throw new NoRelayError('the co-op lists no relay with a peer ID')

  // The only place this node's RTCPeerConnections get their ICE servers: the co-op's own.
  const ice = coopIce({ relays: coop.relays })
  const identity = await acquireIdentity({ dbName: init.dbName, signal: options.signal })
  try {
    const topic = await discoveryTopic(coop.id)
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

    // The library re-announces at the slow rate; the node adds announcements while unsettled.
    const discovery = pubsubPeerDiscovery({
      topics: [topic],
      interval: init.discoverySlowInterval ?? DISCOVERY_SLOW_INTERVAL_MS,
    })
    let announcer: Announcer | undefined
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
        peerDiscovery: [
          (components) => {
            const d = discovery(components)
            if (isAnnouncer(d)) announcer = d
            return d
          },
        ],
        services: {
          identify: identify(),
          ping: ping(),
          pubsub: gossipsub({
            allowPublishToZeroTopicPeers: true,
            maxInboundDataLength: MAX_PUBSUB_MESSAGE_BYTES,
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
          }),
          fetch: cofferFetch({ blockstore, space: idbSpace(db, estimate) }),
        },
      }),
      init.bitswap,
    ) as unknown as CofferHelia
    await helia.start()
    late.fetch = helia.libp2p.services.fetch
    const node = new Node(coop, helia, topic, relays, relayIds, identity, db, ice, {
      announce: () => announcer?._broadcast(),
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

/** pubsub-peer-discovery's instance: `_broadcast` publishes this node's record now. */
interface Announcer {
  _broadcast(): void
}

function isAnnouncer(d: unknown): d is Announcer {
  return typeof (d as Partial<Announcer> | null)?._broadcast === 'function'
}

interface Announcements {
  /** Publishes this node's record on the co-op topic (skipped while nobody listens). */
  announce: () => void
  /** Interval while unsettled. */
  interval: number
}

interface RelayDialState {
  addr: ReturnType<typeof multiaddr>
  peerId: string
  delay: number
  nextAt: number
  dialing: boolean
}

class Node extends TypedEventEmitter<CofferNodeEvents> implements RunningCofferNode {
  readonly peerId: string
  readonly coop: Coop
  readonly helia: CofferHelia
  readonly libp2p: CofferLibp2p
  readonly topic: string
  readonly db: IDBPDatabase<CofferDB>
  #status: NodeStatus = 'connecting'
  #relays: RelayDialState[]
  #relayIds: Set<string>
  /** Peers seen announcing themselves on this co-op's topic: the only ones listed or dialed. */
  #members = new Map<string, { firstHeard: number; lastHeard: number }>()
  #dialing = new Set<string>()
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = false
  #identity: IdentitySlot
  #abort = new AbortController()
  #announce: () => void
  #schedule: AnnounceSchedule
  #ice: CoopIce
  #peerLinks = new PeerLinks()
  #links: MemberLinks = {
    lastHeard: () => [...this.#members].map(([id, m]) => [id, m.lastHeard]),
    hasDirect: (peer) => this.#hasDirect(peer),
  }

  constructor(
    coop: Coop,
    helia: CofferHelia,
    topic: string,
    relays: Array<ReturnType<typeof multiaddr>>,
    relayIds: Set<string>,
    identity: IdentitySlot,
    db: IDBPDatabase<CofferDB>,
    ice: CoopIce,
    announcements: Announcements,
  ) {
    super()
    this.#ice = ice
    this.#announce = announcements.announce
    this.#schedule = new AnnounceSchedule({ interval: announcements.interval })
    this.db = db
    this.coop = coop
    this.helia = helia
    this.libp2p = helia.libp2p
    this.topic = topic
    this.peerId = this.libp2p.peerId.toString()
    this.#identity = identity
    this.#relayIds = relayIds
    this.#relays = relays.map((addr) => ({
      addr,
      peerId: addr.getComponents().findLast((c) => c.name === 'p2p')?.value ?? '',
      delay: RELAY_RETRY_MIN_MS,
      nextAt: 0,
      dialing: false,
    }))

    const l = this.libp2p
    l.services.pubsub.addEventListener('message', this.#onMessage)
    l.addEventListener('connection:open', this.#onConnection)
    l.addEventListener('connection:close', this.#onConnection)
    l.addEventListener('peer:identify', this.#onIdentify)
    globalThis.addEventListener?.('online', this.#onNetworkChange)
    globalThis.addEventListener?.('offline', this.#onNetworkChange)
    this.#timer = setInterval(() => {
      this.#ensureRelays()
      this.#announceIfDue()
    }, 1_000)
    this.#ensureRelays()
  }

  get status(): NodeStatus {
    return this.#status
  }

  peers(): PeerView[] {
    const views: PeerView[] = []
    const now = Date.now()
    for (const [id, member] of this.#members) {
      const conns = this.libp2p
        .getConnections(peerIdFromString(id))
        .filter((c) => c.status === 'open')
      const dialing = this.#dialing.has(id)
      // A member we cannot reach stays listed, with the reason, while it keeps announcing.
      const unreachable = this.#peerLinks.hasFailed(id) && now - member.lastHeard < MEMBER_QUIET_MS
      if (conns.length === 0 && !dialing && !unreachable) continue
      const link = this.#peerLinks.link(id, conns, dialing)
      const direct = conns.find((c) => this.#peerLinks.isDirect(c))
      views.push({
        peerId: id,
        direct: link === 'direct',
        link,
        remoteAddr: (direct ?? conns[0])?.remoteAddr.toString() ?? '',
      })
    }
    return views.sort((a, b) => a.peerId.localeCompare(b.peerId))
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#abort.abort()
    clearInterval(this.#timer)
    const l = this.libp2p
    l.services.pubsub.removeEventListener('message', this.#onMessage)
    l.removeEventListener('connection:open', this.#onConnection)
    l.removeEventListener('connection:close', this.#onConnection)
    l.removeEventListener('peer:identify', this.#onIdentify)
    globalThis.removeEventListener?.('online', this.#onNetworkChange)
    globalThis.removeEventListener?.('offline', this.#onNetworkChange)
    try {
      await this.helia.stop()
    } finally {
      this.db.close()
      this.#identity.release()
      this.#status = 'offline'
      this.safeDispatchEvent('change')
    }
  }

  #onIdentify = (evt: CustomEvent<{ connection: Connection }>): void => {
    const c = evt.detail.connection
    this.#peerLinks.confirm(c)
    const remote = c.remotePeer.toString()
    if (!this.#relayIds.has(remote)) this.#pruneDuplicates(remote)
    this.#onChange()
  }

  #onChange = (): void => {
    this.#updateStatus()
    this.safeDispatchEvent('change')
  }

  #onNetworkChange = (): void => {
    // Back online: try the relays now instead of waiting out the backoff.
    for (const r of this.#relays) {
      r.delay = RELAY_RETRY_MIN_MS
      r.nextAt = 0
    }
    this.#hurry(false)
    this.#ensureRelays()
    this.#onChange()
  }

  #onConnection = (evt: CustomEvent<Connection>): void => {
    const remote = evt.detail.remotePeer.toString()
    if (!this.#relayIds.has(remote)) {
      const c = evt.detail
      log(
        '%s %s %s connection %s to %s',
        evt.type === 'connection:open' ? 'opened' : 'closed',
        c.limits === undefined ? 'direct' : 'limited',
        c.direction,
        c.id,
        remote,
      )
    }
    if (evt.type === 'connection:open' && this.#peerLinks.needsProof(evt.detail)) {
      const c = evt.detail
      setTimeout(() => {
        if (this.#stopped || c.status !== 'open' || this.#peerLinks.isDirect(c)) return
        log('closing connection %s to %s: its WebRTC never connected', c.id, remote)
        c.abort(new UnprovenConnectionError('the RTCPeerConnection never carried data'))
      }, UNPROVEN_CONNECTION_MS)
    }
    if (evt.type === 'connection:close' && this.#relayIds.has(remote)) {
      // Redial soon; the backoff grows only while dials fail.
      this.#ensureRelays()
    }
    // Lost a member, or (back) on the relay: others must hear from us soon to (re)connect.
    if (
      (evt.type === 'connection:close' && this.#members.has(remote)) ||
      (evt.type === 'connection:open' && this.#relayIds.has(remote))
    ) {
      this.#hurry(false)
    }
    this.#onChange()
  }

  /**
   * Keeps one direct connection per peer. A dial that timed out on our side can leave a
   * connection the other side still believes open (until ICE consent expires, ~30 s), and a
   * fallback dial can cross the other side's: both sides keep the connection dialed by the
   * smaller peer ID, the newest of those, and close the rest, so they agree without talking.
   */
  #pruneDuplicates(peer: string): void {
    const direct = this.libp2p
      .getConnections(peerIdFromString(peer))
      .filter((c) => this.#peerLinks.isDirect(c))
    if (direct.length < 2) return
    const preferred = this.peerId < peer ? 'outbound' : 'inbound'
    const ranked = direct.sort(
      (a, b) =>
        Number(b.direction === preferred) - Number(a.direction === preferred) ||
        b.timeline.open - a.timeline.open,
    )
    for (const c of ranked.slice(1)) {
      log('closing duplicate connection %s to %s', c.id, peer)
      c.close().catch((err: unknown) => c.abort(err as Error))
    }
  }

  #onMessage = (evt: CustomEvent<{ topic: string; type: string; from?: PeerId }>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic || msg.type !== 'signed' || msg.from === undefined) return
    const from = msg.from.toString()
    if (from === this.peerId || this.#relayIds.has(from)) return
    const member = this.#members.get(from)
    const now = Date.now()
    if (member === undefined) {
      this.#members.set(from, { firstHeard: now, lastHeard: now })
      log('discovered co-op peer %s', from)
      this.safeDispatchEvent('change')
      // The newcomer may dial only after it hears from us (tie-break below): answer now.
      this.#hurry(true)
    } else {
      member.lastHeard = now
    }
    this.#maybeDialDirect(from)
  }

  /** Back to the fast announcement rate for a while; with `now`, announce right away. */
  #hurry(now: boolean): void {
    this.#schedule.hurry()
    if (now) this.#announceIfDue(true)
  }

  #announceIfDue(force = false): void {
    if (this.#stopped || !this.#schedule.due(this.#links, force)) return
    try {
      this.#announce()
    } catch (err) {
      log('announcement failed - %e', err)
    }
  }

  #hasDirect(peer: string): boolean {
    return this.libp2p
      .getConnections(peerIdFromString(peer))
      .some((c) => this.#peerLinks.isDirect(c))
  }

  /**
   * Both sides hear each other's announcements; only the smaller peer ID dials, so a pair
   * does not end up with two WebRTC connections. If that dial never lands (the other side
   * may have failed), the larger side dials once the peer has been heard for a while. (Time,
   * not a count of announcements: those come in bursts when several peers join, and an early
   * second dial only makes a duplicate connection that one side then closes.)
   */
  #maybeDialDirect(peer: string): void {
    if (this.#stopped || this.#dialing.has(peer) || this.#hasDirect(peer)) return
    const member = this.#members.get(peer)
    const weDial =
      this.peerId < peer ||
      (member !== undefined && Date.now() - member.firstHeard >= FALLBACK_DIAL_AFTER_MS)
    if (!weDial) return
    this.#dialing.add(peer)
    const started = performance.now()
    void this.#dialDirect(peer)
      .then(
        () => log('direct to %s in %d ms', peer, Math.round(performance.now() - started)),
        (err: unknown) => {
          if (!this.#hasDirect(peer)) this.#peerLinks.dialFailed(peer, this.#ice.hasTurn)
          log('direct dial to %s failed - %e', peer, (err as Error).cause ?? err)
        },
      )
      .finally(() => {
        this.#dialing.delete(peer)
        this.safeDispatchEvent('change')
      })
  }

  async #dialDirect(peer: string): Promise<void> {
    let lastError: unknown
    // The peer holds a reservation on some of the co-op's relays; try each in turn.
    for (const r of this.#relays) {
      if (this.#stopped) return
      const addr = r.addr.encapsulate(`/p2p-circuit/webrtc/p2p/${peer}`)
      try {
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
        const conn = await this.libp2p.dial(addr, { signal })
        // libp2p may hand back an earlier connection whose RTCPeerConnection never connected.
        if (conn.limits === undefined) {
          if (await this.#peerLinks.proven(conn, UNPROVEN_CONNECTION_MS)) return
          conn.abort(new UnprovenConnectionError('the RTCPeerConnection never carried data'))
          lastError = new UnprovenConnectionError(`connection ${conn.id} never carried data`)
          continue
        }
      } catch (err) {
        lastError = err
      }
    }
    throw new DirectDialError(`no direct connection to ${peer}`, { cause: lastError })
  }

  #ensureRelays(): void {
    if (this.#stopped) return
    const now = Date.now()
    for (const r of this.#relays) {
      if (r.dialing || now < r.nextAt) continue
      if (this.libp2p.getConnections(peerIdFromString(r.peerId)).some((c) => c.status === 'open')) {
        continue
      }
      r.dialing = true
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
      this.libp2p
        .dial(r.addr, { signal })
        .then(
          () => {
            r.delay = RELAY_RETRY_MIN_MS
            r.nextAt = 0
            log('connected to relay %s', r.peerId)
          },
          (err: unknown) => {
            r.nextAt = Date.now() + r.delay
            r.delay = Math.min(r.delay * 2, RELAY_RETRY_MAX_MS)
            log('relay %s unreachable, retry in %d ms - %e', r.peerId, r.delay, err)
          },
        )
        .finally(() => {
          r.dialing = false
          this.#onChange()
        })
    }
    this.#updateStatus()
  }

  #updateStatus(): void {
    if (this.#stopped) return
    let status: NodeStatus
    const relayUp = this.#relays.some((r) =>
      this.libp2p.getConnections(peerIdFromString(r.peerId)).some((c) => c.status === 'open'),
    )
    if (globalThis.navigator?.onLine === false) status = 'offline'
    else if (relayUp || this.peers().some((p) => p.direct)) status = 'online'
    else status = 'connecting'
    if (status !== this.#status) {
      this.#status = status
      this.safeDispatchEvent('change')
    }
  }
}
