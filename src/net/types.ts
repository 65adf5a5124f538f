import type { TypedEventTarget } from 'main-event'

/** A co-op as this device knows it. Created on first start or joined from an invite link. */
export interface Coop {
  /** Random co-op ID (base32, 26 chars); scopes discovery so co-ops on one relay never mix. */
  id: string
  name: string
  /** Relay multiaddrs, each ending in /p2p/<relay peer id>. */
  relays: string[]
  /**
   * The co-op secret (32 bytes, unpadded base64url): the membership boundary. Carried only by
   * invite links; discovery and the membership handshake derive their keys from it. Absent only
   * in a co-op stored before secrets existed, until `loadCoop` gives it one.
   */
  secret?: string
}

export type NodeStatus = 'connecting' | 'online' | 'offline'

/**
 * How this node reaches a co-op peer: `direct` while a direct connection is open and proven;
 * `waiting` while one is being set up; `relayed` with only a relayed (limited) connection;
 * `needs-turn` when direct dials failed and the co-op offers no TURN server; `no-direct-path`
 * when they failed even with TURN offered.
 */
export type PeerLink = 'direct' | 'waiting' | 'relayed' | 'needs-turn' | 'no-direct-path'

/** How this node is connected to another peer of the co-op. */
export interface PeerView {
  peerId: string
  /** True while an open connection to the peer has no `limits` and carries bytes (`link` is 'direct'). */
  direct: boolean
  link: PeerLink
  /** Remote address of the best connection, for display. */
  remoteAddr: string
}

export interface CofferNodeEvents {
  /** The peer list or the node status changed; read `peers()` and `status`. */
  change: CustomEvent<void>
}

/** The face the state layer sees of the running libp2p/Helia node. */
export interface CofferNode extends TypedEventTarget<CofferNodeEvents> {
  readonly peerId: string
  readonly coop: Coop
  readonly status: NodeStatus
  peers(): PeerView[]
  stop(): Promise<void>
}
