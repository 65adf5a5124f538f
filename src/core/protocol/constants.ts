/** Version carried in every store/fetch message (`v`). A peer refuses versions it does not know. */
export const PROTOCOL_VERSION = 1
/**
 * Largest block a peer will ever accept or send. A shard is segment / k bytes (256 KiB at the
 * defaults) and a manifest at most 2 MiB; 4 MiB leaves room for k = 1 with larger segments.
 */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024
/** Room for the fields around a block (CIDs, peer ids, signature, CBOR framing). */
export const MESSAGE_OVERHEAD_BYTES = 16 * 1024
/** Hard cap on one framed message, before any parsing. */
export const MAX_MESSAGE_BYTES = MAX_BLOCK_BYTES + MESSAGE_OVERHEAD_BYTES
/** The length prefix is an unsigned LEB128 varint; five bytes cover any length up to 2^35. */
export const MAX_VARINT_BYTES = 5
/** CIDs per delete or has request. */
export const MAX_CIDS_PER_MESSAGE = 1024
/** A peer id is a multihash; an inline Ed25519 or secp256k1 key is under 50 bytes. */
export const MAX_PEER_ID_BYTES = 128
export const MAX_SIGNATURE_BYTES = 512
/** Shards in one stripe at most: the Reed–Solomon code works over GF(2^8). */
export const MAX_STRIPE_SHARDS = 256
/** Error codes are short identifiers; a longer one is a malformed message. */
export const MAX_ERROR_CODE_LENGTH = 32
export const MAX_ERROR_MESSAGE_LENGTH = 256
/** Domain separators of the signed encodings: a receipt signature can never pass as a delete. */
export const RECEIPT_DOMAIN = 'coffer/receipt/1'
export const DELETE_DOMAIN = 'coffer/delete/1'
