export * from './erasure/index.ts'
export * from './errors.ts'
export * from './constants.ts'
export { rawBlock, dagCborBlock, blockMatches, verifyBlock, type Block } from './block.ts'
export { Sha256, sha256Implementation, type Sha256Implementation } from './sha256.ts'
export {
  encodeStripe,
  decodeStripe,
  rebuildShards,
  localStripeCodec,
  localHasher,
  type PlaintextHasher,
  shardSizeFor,
  type StripeCodec,
  type StripeParams,
  type EncodeStripeInput,
  type DecodeStripeInput,
  type RebuildShardsInput,
  type EncodedStripe,
  type EncodeStripeResult,
  type StripeOptions,
  type DecodeStripeOptions,
} from './stripe.ts'
export {
  encodeManifest,
  parseManifest,
  parseManifestBlock,
  openManifest,
  validateLayout,
  plaintextSize,
  maxPlaintextSize,
  encodeEnvelope,
  parseEnvelope,
  type Manifest,
  type Layout,
  type StripeLayout,
  type Envelope,
  type OpenedManifest,
} from './manifest.ts'
export * from './capability.ts'
export * from './share-link.ts'
export * from './encode-file.ts'
export * from './decode-file.ts'
export { plaintextWindow, type PlaintextWindow } from './plaintext-window.ts'
export { segmentStream, type Segment } from './segmenter.ts'
export {
  parseMediaType,
  previewOf,
  PREVIEW_TYPES,
  type MediaType,
  type PreviewKind,
} from './media-type.ts'
export { parseByteRange, type ByteRange } from './byte-range.ts'
