export {
  CofferFetch,
  cofferFetch,
  type CofferFetchComponents,
  type CofferFetchInit,
  type Libp2pFetchComponents,
} from './fetch.ts'
export * from './constants.ts'
export * from './errors.ts'
export { CorruptBlockError } from '../exchange/errors.ts'
