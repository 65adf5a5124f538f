export * from './constants.ts'
export * from './errors.ts'
export { encodeFrame, encodeLengthPrefix, decodeFrame, FrameReader } from './frame.ts'
export * from './messages.ts'
export {
  decodeExpected,
  decodeMessage,
  encodeMessage,
  encodeMessageParts,
} from './message-codec.ts'
export { receiptSigningBytes, deleteSigningBytes } from './signing.ts'
