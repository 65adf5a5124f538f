export {
  CofferStore,
  cofferStore,
  verifyReceipt,
  type CofferStoreComponents,
  type CofferStoreInit,
  type CofferStoreParts,
  type DeleteResult,
  type Libp2pStoreComponents,
  type BuildPlan,
  type PledgeSource,
  type ShardBuilder,
  type StoreOptions,
  type StoreRequestType,
} from './store.ts'
export * from './constants.ts'
export * from './errors.ts'
export type { ConnectionSource } from '../exchange/stream-io.ts'
export * from '../exchange/errors.ts'
export { shardNetwork, type CallOptions, type ShardNetwork } from './shard-network.ts'
export {
  buildSources,
  storeStripe,
  type StoreStripeOptions,
  type StoredStripe,
  type StripeFailure,
} from './store-stripe.ts'
export { networkBlockSource, type NetworkBlockSourceOptions } from './block-source.ts'
export { receiptRecord } from './receipt-record.ts'
export { findHolders, gatherCandidates } from './find-holders.ts'
