import { peerIdFromString } from '@libp2p/peer-id'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import type { IDBPDatabase } from 'idb'
import type { Connection, PeerInfo } from '@libp2p/interface'
import type { CofferDB } from '../storage/db.ts'
import type { CofferNodeEvents, Coop, NodeStatus, PeerView } from './types.ts'
import type { CofferHelia, CofferLibp2p, RunningCofferNode } from './node-types.ts'
import type { IdentitySlot } from './identity.ts'
import type { CoopIce } from './ice.ts'
import { PeerLinks } from './peer-links.ts'
import { AnnounceSchedule, type MemberLinks } from './announce-schedule.ts'
import { RelayDialer } from './relay-dialer.ts'
import type { SealedDiscovery } from './discovery/index.ts'
import type { ProvenMembers } from './member/index.ts'
import { DirectDialError, UnprovenConnectionError } from './errors.ts'
import {
  DIAL_TIMEOUT_MS,
  FALLBACK_DIAL_AFTER_MS,
  MEMBER_QUIET_MS,
  UNPROVEN_CONNECTION_MS,
} from './constants.ts'

const log = logger('coffer:net:node')

/** What the composition root hands the running peer besides Helia. */
export interface CoopPeerParts {
  coop: Coop
  helia: CofferHelia
  relays: Multiaddr[]
  relayIds: Set<string>
  identity: IdentitySlot
  db: IDBPDatabase<CofferDB>
  ice: CoopIce
  discovery: SealedDiscovery
  members: ProvenMembers
  /** Re-announce interval while unsettled. */
  interval: number
}

/**
 * A running co-op peer: hears members on the sealed discovery topic, upgrades each to a direct
 * WebRTC connection (one side dials, by a tie-break), keeps its relays, and lists members.
 */
export class CoopPeer extends TypedEventEmitter<CofferNodeEvents> implements RunningCofferNode {
  readonly peerId: string
  readonly coop: Coop
  readonly helia: CofferHelia
  readonly libp2p: CofferLibp2p
  readonly topic: string
  readonly db: IDBPDatabase<CofferDB>
  readonly members: ProvenMembers
  #status: NodeStatus = 'connecting'
  #relays: RelayDialer
  #relayIds: Set<string>
  /** Peers heard on the sealed topic (so they hold the co-op key): the only ones dialled. */
  #heard = new Map<string, { firstHeard: number; lastHeard: number }>()
  #dialing = new Set<string>()
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = false
  #identity: IdentitySlot
  #abort = new AbortController()
  #discovery: SealedDiscovery
  #schedule: AnnounceSchedule
  #ice: CoopIce
  #peerLinks = new PeerLinks()
  #links: MemberLinks = {
    lastHeard: () => [...this.#heard].map(([id, m]) => [id, m.lastHeard]),
    hasDirect: (peer) => this.#hasDirect(peer),
  }

  constructor(p: CoopPeerParts) {
    super()
    this.#ice = p.ice
    this.#discovery = p.discovery
    this.#schedule = new AnnounceSchedule({ interval: p.interval })
    this.db = p.db
    this.coop = p.coop
    this.helia = p.helia
    this.libp2p = p.helia.libp2p
    this.topic = p.discovery.topic
    this.members = p.members
    this.peerId = this.libp2p.peerId.toString()
    this.#identity = p.identity
    this.#relayIds = p.relayIds
    this.#relays = new RelayDialer(this.libp2p, p.relays, this.#abort.signal, this.#onChange)

    const l = this.libp2p
    this.#discovery.addEventListener('peer', this.#onAnnouncement)
    this.members.addEventListener('change', this.#onChange)
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

  /**
   * Co-op members as this node sees them. A peer shows as direct only once it proved
   * membership over the connection; a member heard on the sealed topic but not (yet) reached
   * stays listed with the reason while it keeps announcing.
   */
  peers(): PeerView[] {
    const views: PeerView[] = []
    const now = Date.now()
    for (const id of new Set([...this.#heard.keys(), ...this.members.list()])) {
      const heard = this.#heard.get(id)
      const conns = this.libp2p
        .getConnections(peerIdFromString(id))
        .filter((c) => c.status === 'open')
      const dialing = this.#dialing.has(id)
      const unreachable =
        heard !== undefined &&
        this.#peerLinks.hasFailed(id) &&
        now - heard.lastHeard < MEMBER_QUIET_MS
      if (conns.length === 0 && !dialing && !unreachable) continue
      let link = this.#peerLinks.link(id, conns, dialing)
      if (link === 'direct' && !this.members.isProven(id)) link = 'waiting'
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
    this.#discovery.removeEventListener('peer', this.#onAnnouncement)
    this.members.removeEventListener('change', this.#onChange)
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
    if (!this.#relayIds.has(remote)) {
      this.#pruneDuplicates(remote)
      // A WebRTC connection can open before its data channels carry bytes, so the handshake
      // started on open may have timed out; identify just proved the path, so try again.
      const retry = c.direction === 'outbound' && c.limits === undefined && c.status === 'open'
      if (retry && !this.members.isProven(remote) && !this.members.isPending(remote)) {
        void this.libp2p.services.member.prove(c)
      }
    }
    this.#onChange()
  }

  #onChange = (): void => {
    this.#updateStatus()
    this.safeDispatchEvent('change')
  }

  #onNetworkChange = (): void => {
    this.#relays.reset()
    this.#hurry(false)
    this.#ensureRelays()
    this.#onChange()
  }

  #onConnection = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail
    const remote = c.remotePeer.toString()
    const isRelay = this.#relayIds.has(remote)
    if (!isRelay) {
      const what = evt.type === 'connection:open' ? 'opened' : 'closed'
      const kind = c.limits === undefined ? 'direct' : 'limited'
      log('%s %s %s connection %s to %s', what, kind, c.direction, c.id, remote)
    }
    if (evt.type === 'connection:open' && this.#peerLinks.needsProof(c)) {
      setTimeout(() => {
        if (this.#stopped || c.status !== 'open' || this.#peerLinks.isDirect(c)) return
        log('closing connection %s to %s: its WebRTC never connected', c.id, remote)
        c.abort(new UnprovenConnectionError('the RTCPeerConnection never carried data'))
      }, UNPROVEN_CONNECTION_MS)
    }
    // Redial soon; the backoff grows only while dials fail.
    if (evt.type === 'connection:close' && isRelay) this.#ensureRelays()
    // Lost a member, or (back) on the relay: others must hear from us soon to (re)connect.
    if (
      (evt.type === 'connection:close' && this.#heard.has(remote)) ||
      (evt.type === 'connection:open' && isRelay)
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

  /** An announcement opened under the co-op key (the discovery service checked it). */
  #onAnnouncement = (evt: CustomEvent<PeerInfo>): void => {
    const from = evt.detail.id.toString()
    if (from === this.peerId || this.#relayIds.has(from)) return
    const member = this.#heard.get(from)
    const now = Date.now()
    if (member === undefined) {
      this.#heard.set(from, { firstHeard: now, lastHeard: now })
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
      this.#discovery.broadcast()
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
    const member = this.#heard.get(peer)
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
    for (const relay of this.#relays.addrs) {
      if (this.#stopped) return
      const addr = relay.encapsulate(`/p2p-circuit/webrtc/p2p/${peer}`)
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
    this.#relays.ensure()
    this.#updateStatus()
  }

  #updateStatus(): void {
    if (this.#stopped) return
    let status: NodeStatus
    if (globalThis.navigator?.onLine === false) status = 'offline'
    else if (this.#relays.anyUp() || this.peers().some((p) => p.direct)) status = 'online'
    else status = 'connecting'
    if (status !== this.#status) {
      this.#status = status
      this.safeDispatchEvent('change')
    }
  }
}
