import type { CofferNode, NodeStatus, PeerLink, PeerView } from '../net/types.ts'
import { shortPeerId } from './format.ts'

/** One row of the Peers view. */
export interface PeerRow {
  peerId: string
  shortId: string
  direct: boolean
  link: PeerLink
  /** What the member reads: how this device reaches the peer, or why not directly. */
  via: string
  remoteAddr: string
}

/**
 * How long the node may keep trying to reach its relay before the app calls it offline and
 * tells the member why: a first connection takes a second or two, a dead relay never answers.
 */
export const CONNECT_GRACE_MS = 10_000

/** Whether the browser thinks it has a network; injected so tests can flip it. */
export interface Connectivity {
  readonly onLine: boolean
}

/** Plain words for each link state; "direct" only while a direct connection is open. */
export const PEER_LINK_TEXT: Record<PeerLink, string> = {
  direct: 'direct',
  waiting: 'waiting for a direct connection',
  relayed: 'relayed only',
  'needs-turn': 'blocked by NAT: needs TURN',
  'no-direct-path': 'blocked by NAT, even through TURN',
}

export function toPeerRow(peer: PeerView): PeerRow {
  return {
    peerId: peer.peerId,
    shortId: shortPeerId(peer.peerId),
    direct: peer.direct,
    link: peer.link,
    via: PEER_LINK_TEXT[peer.link],
    remoteAddr: peer.remoteAddr,
  }
}

/**
 * Reactive view of the running CofferNode: status, peers and peer ID. The node may arrive
 * late (or never, when the relay cannot be reached on a first start), so every field has a
 * meaning without one.
 */
export class NodeState {
  #node = $state.raw<CofferNode | undefined>()
  #nodeStatus = $state<NodeStatus>('connecting')
  #peers = $state.raw<PeerRow[]>([])
  #browserOnline = $state(true)
  #starting = $state(true)
  #stalled = $state(false)
  #stallTimer: ReturnType<typeof setTimeout> | undefined
  #graceMs: number
  #detach: (() => void) | undefined

  constructor(connectivity: Connectivity = { onLine: true }, graceMs = CONNECT_GRACE_MS) {
    this.#browserOnline = connectivity.onLine
    this.#graceMs = graceMs
  }

  get node(): CofferNode | undefined {
    return this.#node
  }

  get peerId(): string | undefined {
    return this.#node?.peerId
  }

  get peers(): PeerRow[] {
    return this.#peers
  }

  /** What the header shows: a browser without network is offline whatever the node thinks. */
  get status(): NodeStatus {
    if (!this.#browserOnline) return 'offline'
    if (this.#node) return this.#stalled ? 'offline' : this.#nodeStatus
    return this.#starting ? 'connecting' : 'offline'
  }

  get browserOnline(): boolean {
    return this.#browserOnline
  }

  setBrowserOnline(onLine: boolean): void {
    this.#browserOnline = onLine
  }

  /** Start-up gave up without a node (no relay and nothing stored): show offline. */
  startFailed(): void {
    this.#starting = false
  }

  attach(node: CofferNode): void {
    this.#detach?.()
    this.#node = node
    this.#starting = false
    const refresh = (): void => {
      this.#nodeStatus = node.status
      this.#watchStall(node.status)
      this.#peers = node
        .peers()
        .map(toPeerRow)
        .sort((a, b) => Number(b.direct) - Number(a.direct) || a.peerId.localeCompare(b.peerId))
    }
    node.addEventListener('change', refresh)
    this.#detach = () => node.removeEventListener('change', refresh)
    refresh()
  }

  /** Still 'connecting' after the grace period means the relay cannot be reached. */
  #watchStall(status: NodeStatus): void {
    if (status !== 'connecting') {
      clearTimeout(this.#stallTimer)
      this.#stallTimer = undefined
      this.#stalled = false
      return
    }
    this.#stallTimer ??= setTimeout(() => {
      this.#stalled = true
    }, this.#graceMs)
  }

  detach(): void {
    this.#detach?.()
    this.#watchStall('online')
    this.#detach = undefined
    this.#node = undefined
    this.#peers = []
    this.#nodeStatus = 'connecting'
  }
}
