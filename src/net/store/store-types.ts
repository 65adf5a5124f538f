import type { MembershipCheck } from '../member/proven-members.ts'
import type {
  ComponentLogger,
  PeerId,
  PrivateKey,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { BuildRequest } from '../../core/protocol/index.ts'
import type { StripeCodec } from '../../core/stripe.ts'
import type { HoldingLedger } from '../../storage/holding-ledger.ts'
import type { ExchangeInit } from '../exchange/exchange-init.ts'
import type { ConnectionSource } from '../exchange/stream-io.ts'

export interface CofferStoreInit extends ExchangeInit {
  /** Largest block accepted from others (default 4 MiB, never above the wire limit). */
  maxBlockBytes?: number
  /** Clock skew tolerated on signed deletes. */
  maxClockSkew?: number
  /** Holder side: shard builds running at once (each reads k shards from other peers). */
  maxConcurrentBuilds?: number
}

/** What a holder needs to build a shard from others: read them, and run the erasure code. */
export interface ShardBuilder {
  /** Reads a block from `peer`, checked against its CID. */
  fetch(peer: PeerId, cid: CID, options: { signal?: AbortSignal }): Promise<Uint8Array>
  rebuild: StripeCodec['rebuildShards']
}

/** The pledge as the service sees it: how many bytes this device gives to others. */
export interface PledgeSource {
  pledgedBytes(): number | Promise<number>
}

export interface CofferStoreComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: ConnectionSource
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  blockstore: Pick<Blockstore, 'put' | 'get' | 'has' | 'delete'>
  holdings: HoldingLedger
  pledge: PledgeSource
  /** Without it the holder refuses `build` requests, and owners store those shards instead. */
  builder?: ShardBuilder
  /** Told how each request this holder answered ended (a keeper counts them for /metrics). */
  observe?: (request: StoreRequestType, outcome: string) => void
  /** Who proved co-op membership; without it every peer is served (tests, single co-op nodes). */
  members?: MembershipCheck
}

/** The requests a holder answers on the store protocol. */
export type StoreRequestType = 'store' | 'build' | 'delete'

export interface StoreOptions {
  signal?: AbortSignal
  /** Manifest CID of the file the shard belongs to, told to the holder. */
  file?: CID
}

/** A shard a holder is to compute from k others: the request less what the service adds. */
export type BuildPlan = Omit<BuildRequest, 'type' | 'owner' | 'file'>

/** Answer to an accepted delete: the CIDs this owner no longer has pinned on the holder. */
export interface DeleteResult {
  deleted: CID[]
}

/** The components libp2p itself provides to a service. */
export type Libp2pStoreComponents = Pick<
  CofferStoreComponents,
  'registrar' | 'connectionManager' | 'peerId' | 'privateKey' | 'logger'
>
/** The components Coffer adds: where blocks go, the ledger, the pledge, how to build shards. */
export type CofferStoreParts = Pick<
  CofferStoreComponents,
  'blockstore' | 'holdings' | 'pledge' | 'builder' | 'observe' | 'members'
>
