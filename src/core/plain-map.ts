import { CID } from 'multiformats/cid'

/** A decoded dag-cbor map: not an array, bytes, a CID link or null. */
export type PlainMap = Record<string, unknown>

/** Whether a decoded dag-cbor value is a map (every decoder checks this before reading fields). */
export function isPlainMap(value: unknown): value is PlainMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    CID.asCID(value) === null
  )
}
