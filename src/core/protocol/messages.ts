import type { CID } from 'multiformats/cid'

/** Why a holder refused a request; sent as a string so new codes degrade to "unknown". */
export const ERROR_CODES = [
  'PLEDGE_FULL',
  'CID_MISMATCH',
  'TOO_LARGE',
  'BAD_REQUEST',
  'BAD_SIGNATURE',
  'NOT_OWNER',
  'STALE',
  'INTERNAL',
  'SOURCE_FAILED',
  'NOT_MEMBER',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** A holder's signed statement that it keeps a block. */
export interface Receipt {
  cid: CID
  size: number
  /** Holder's peer id as multihash bytes. */
  holder: Uint8Array
  /** Milliseconds since the Unix epoch, holder's clock. */
  time: number
  signature: Uint8Array
}

export interface StoreRequest {
  type: 'store'
  cid: CID
  block: Uint8Array
  owner: Uint8Array
  /** The manifest CID of the file the block belongs to, when the owner wants it known. */
  file?: CID
}
/** One of the k shards a holder reads to compute the shard it is asked to build. */
export interface BuildSource {
  /** Position of the shard in its stripe (0 … n − 1). */
  index: number
  cid: CID
  /** A peer that keeps it (peer id multihash bytes). */
  holder: Uint8Array
}

/**
 * Asks a holder to compute one shard of a stripe itself from k others kept by other peers, and
 * keep it as if stored: the owner's uplink then carries only k of the n shards.
 */
export interface BuildRequest {
  type: 'build'
  /** The shard to build; the holder keeps it only if its bytes hash to this. */
  cid: CID
  size: number
  k: number
  n: number
  /** Position of the shard to build in its stripe. */
  index: number
  /** Exactly k other shards of the stripe, at distinct positions. */
  sources: BuildSource[]
  owner: Uint8Array
  file?: CID
}
export interface StoreOk {
  type: 'store-ok'
  receipt: Receipt
}
export interface DeleteRequest {
  type: 'delete'
  cids: CID[]
  owner: Uint8Array
  /** The holder the request is meant for, so it cannot be replayed to another peer. */
  holder: Uint8Array
  time: number
  signature: Uint8Array
}
export interface DeleteOk {
  type: 'delete-ok'
  /** The CIDs this owner no longer has pinned on the holder. */
  deleted: CID[]
}
export interface ErrorResponse {
  type: 'error'
  code: ErrorCode | 'UNKNOWN'
  message: string
}
export interface FetchRequest {
  type: 'fetch'
  cid: CID
}
export interface FetchBlock {
  type: 'block'
  block: Uint8Array
}
export interface FetchNotFound {
  type: 'not-found'
}
export interface HasRequest {
  type: 'has'
  cids: CID[]
}
export interface HasResponse {
  type: 'have'
  /** have[i] tells whether the holder keeps cids[i] of the request. */
  have: boolean[]
}

/** How much pledged space a peer has left: what placement weighs peers by. */
export interface SpaceRequest {
  type: 'space'
}
export interface SpaceInfo {
  type: 'space-info'
  /** Free pledged bytes right now. */
  free: number
}

export type StoreProtocolRequest = StoreRequest | BuildRequest | DeleteRequest
export type StoreProtocolResponse = StoreOk | DeleteOk | ErrorResponse
export type FetchProtocolRequest = FetchRequest | HasRequest | SpaceRequest
export type FetchProtocolResponse =
  FetchBlock | FetchNotFound | HasResponse | SpaceInfo | ErrorResponse
export type Message =
  StoreProtocolRequest | StoreProtocolResponse | FetchProtocolRequest | FetchProtocolResponse
