export type * from './types.ts'
export { createCofferNode } from './node.ts'
export type {
  CofferNodeInit,
  CreateCofferNodeOptions,
  RunningCofferNode,
  CofferHelia,
  CofferLibp2p,
  CofferServices,
} from './node.ts'
export { createCoop, formatInvite, parseInvite, isRelayAddr, discoveryTopic } from './coop.ts'
export * from './errors.ts'
