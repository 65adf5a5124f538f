import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import type { Receipt } from '../../core/protocol/index.ts'
import type { CofferFetch } from '../fetch/fetch.ts'
import type { CofferStore } from './store.ts'
import type { BuildPlan } from './store-types.ts'

export interface CallOptions {
  signal?: AbortSignal
}

/**
 * The shard operations with peers named by their id strings, as the upload and download
 * code knows them. Tests substitute an in-memory implementation.
 */
export interface ShardNetwork {
  store(
    peer: string,
    cid: CID,
    bytes: Uint8Array,
    options?: CallOptions & { file?: CID },
  ): Promise<Receipt>
  /**
   * Has `peer` compute a shard from k others that other peers keep, and keep it. Optional: a
   * network without it stores every shard from the owner.
   */
  build?(peer: string, plan: BuildPlan, options?: CallOptions & { file?: CID }): Promise<Receipt>
  fetch(peer: string, cid: CID, options?: CallOptions): Promise<Uint8Array>
  delete(peer: string, cids: CID[], options?: CallOptions): Promise<CID[]>
  whoHas(peer: string, cids: CID[], options?: CallOptions): Promise<boolean[]>
  /** Free pledged space the peer reports (placement weight). */
  freeSpace(peer: string, options?: CallOptions): Promise<number>
}

/** A ShardNetwork over this node's `coffer-store` and `coffer-fetch` services. */
export function shardNetwork(services: { store: CofferStore; fetch: CofferFetch }): ShardNetwork {
  return {
    store: (peer, cid, bytes, options) =>
      services.store.storeShard(peerIdFromString(peer), cid, bytes, options),
    build: (peer, plan, options) =>
      services.store.buildShard(peerIdFromString(peer), plan, options),
    fetch: (peer, cid, options) => services.fetch.fetchShard(peerIdFromString(peer), cid, options),
    delete: async (peer, cids, options) =>
      (await services.store.deleteShards(peerIdFromString(peer), cids, options)).deleted,
    whoHas: (peer, cids, options) => services.fetch.whoHas(peerIdFromString(peer), cids, options),
    freeSpace: (peer, options) => services.fetch.freeSpace(peerIdFromString(peer), options),
  }
}
