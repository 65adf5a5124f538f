export { CofferStore, cofferStore } from './store.ts'
export { verifyReceipt } from './receipt-check.ts'
export type {
  CofferStoreComponents,
  CofferStoreInit,
  CofferStoreParts,
  DeleteResult,
  Libp2pStoreComponents,
  BuildPlan,
  PledgeSource,
  ShardBuilder,
  StoreOptions,
  StoreRequestType,
} from './store-types.ts'
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
