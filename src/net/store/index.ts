export {
  CofferStore,
  cofferStore,
  verifyReceipt,
  type CofferStoreComponents,
  type CofferStoreInit,
  type CofferStoreParts,
  type DeleteResult,
  type Libp2pStoreComponents,
  type PledgeSource,
  type StoreOptions,
} from './store.ts'
export * from './constants.ts'
export * from './errors.ts'
export type { ConnectionSource } from './stream-io.ts'
