// The wire side both exchange protocols share (store and fetch): length-prefixed messages on
// libp2p streams, the stream pool, the holder's request loop, and reading a block from the store.
/**
 * Bytes handed to the stream per send. Smaller sends keep one send from parking megabytes in
 * the write buffer at once; each becomes one data channel message.
 */
export const SEND_CHUNK_BYTES = 64 * 1024
