import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { IDBPDatabase } from 'idb'
import type { CofferDB } from '../storage/db.ts'
import type { CofferStore } from './store/index.ts'
import type { CofferFetch } from './fetch/index.ts'
import type { CofferMember, ProvenMembers } from './member/index.ts'
import type { CofferNode } from './types.ts'

export type CofferServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  member: CofferMember
  store: CofferStore
  fetch: CofferFetch
}

export type CofferLibp2p = Libp2p<CofferServices>
export type CofferHelia = HeliaWithLibp2p<CofferServices>

/** A running co-op peer with the network internals the Coffer protocols build on. */
export interface RunningCofferNode extends CofferNode {
  readonly helia: CofferHelia
  readonly libp2p: CofferLibp2p
  /** The gossipsub topic this co-op discovers its peers on (derived from the co-op secret). */
  readonly topic: string
  /** Coffer's IndexedDB database (files, receipts, holdings, pledge). */
  readonly db: IDBPDatabase<CofferDB>
  /** Peers that proved co-op membership on an open connection. */
  readonly members: ProvenMembers
}
