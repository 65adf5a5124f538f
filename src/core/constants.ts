/** Plaintext bytes per segment unless the caller chooses otherwise. */
export const DEFAULT_SEGMENT_SIZE = 1024 * 1024
/**
 * Default code shape: 4 data + 4 parity shards per stripe. Twice the bytes of the file, any
 * four shards of a stripe rebuild it, and the placement rule is met from two other peers upward
 * (distinct holders from eight). See docs/STORAGE.md for the reasoning.
 */
export const DEFAULT_K = 4
export const DEFAULT_N = 8
/** Upper bound on a segment; keeps one stripe's shards well inside a bitswap message. */
export const MAX_SEGMENT_SIZE = 16 * 1024 * 1024
export const MIN_SEGMENT_SIZE = 1
/** A manifest is one block; bitswap peers refuse blocks above about 2 MiB. */
export const MAX_MANIFEST_BYTES = 2 * 1024 * 1024
/** Bytes of the envelope's decrypted CBOR; names and types are short. */
export const MAX_ENVELOPE_BYTES = 8 * 1024
export const MAX_NAME_BYTES = 1024
export const MAX_MEDIA_TYPE_LENGTH = 255
export const KEY_BYTES = 32
export const FILE_ID_BYTES = 16
export const NONCE_BYTES = 12
export const TAG_BYTES = 16
export const MANIFEST_VERSION = 1
/** Stripes decoded ahead of the reader, and stripes encoded ahead of the consumer. */
export const DEFAULT_STRIPE_CONCURRENCY = 2
/** Share-link hints: at most this many values per parameter, each at most this long. */
export const MAX_LINK_HINTS = 16
export const MAX_LINK_HINT_LENGTH = 512
export const MAX_LINK_LENGTH = 16 * 1024
