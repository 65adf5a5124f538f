/**
 * The one large field of a message, a top-level `block` byte string, handled without copying
 * it: cborg copies every byte string it decodes and builds every encoding in fresh buffers,
 * which for a 256 KiB shard is an allocation and a copy per message on both sides.
 *
 * Encoding writes the map around the block itself, in DAG-CBOR key order, so the parts are
 * byte for byte what `dagCbor.encode` gives for the whole map. Decoding finds where the block's
 * bytes lie, has DAG-CBOR decode (strictly) the message with an empty block in their place,
 * and hands back a view of the block's bytes.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { concat } from '../bytes.ts'

const MAJOR_BYTES = 2
const MAJOR_TEXT = 3
const MAJOR_MAP = 5
const BLOCK_KEY = 'block'
/** Nesting a scan follows before it gives up and leaves the message to the full decoder. */
const MAX_SCAN_DEPTH = 16

/** The head of a CBOR item: major type and argument, in the shortest form (as DAG-CBOR wants). */
export function cborHead(major: number, arg: number): Uint8Array {
  const m = major << 5
  if (arg < 24) return Uint8Array.of(m | arg)
  if (arg < 0x100) return Uint8Array.of(m | 24, arg)
  if (arg < 0x10000) return Uint8Array.of(m | 25, arg >> 8, arg & 0xff)
  if (arg < 0x100000000) {
    return Uint8Array.of(m | 26, arg >>> 24, (arg >> 16) & 0xff, (arg >> 8) & 0xff, arg & 0xff)
  }
  throw new RangeError(`CBOR argument ${arg} is too large here`)
}

/** DAG-CBOR's map key order: shorter keys first, then bytewise (keys here are ASCII). */
function keyOrder(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
}

/**
 * `fields` encoded as a DAG-CBOR map in three parts: everything before the block's bytes, the
 * block itself (the caller's array, not a copy), and everything after it.
 */
export function encodeWithBlock(
  fields: Record<string, unknown>,
  block: Uint8Array,
): [Uint8Array, Uint8Array, Uint8Array] {
  const keys = [...Object.keys(fields).filter((k) => k !== BLOCK_KEY), BLOCK_KEY].sort(keyOrder)
  const before: Uint8Array[] = [cborHead(MAJOR_MAP, keys.length)]
  const after: Uint8Array[] = []
  let target = before
  for (const key of keys) {
    target.push(dagCbor.encode(key))
    if (key === BLOCK_KEY) {
      target.push(cborHead(MAJOR_BYTES, block.length))
      target = after
    } else {
      target.push(dagCbor.encode(fields[key]))
    }
  }
  return [concat(before), block, concat(after)]
}

/**
 * Decodes a message whose top level is a map, returning its `block` byte string as a view of
 * `bytes` rather than a copy. Accepts and refuses exactly what `dagCbor.decode` does: anything
 * the scan does not follow is decoded the ordinary way.
 */
export function decodeWithBlockView(bytes: Uint8Array): unknown {
  const at = findBlock(bytes)
  if (at === undefined) return dagCbor.decode(bytes)
  const tail = bytes.length - at.end
  const lite = new Uint8Array(at.head + 1 + tail)
  lite.set(bytes.subarray(0, at.head))
  lite[at.head] = MAJOR_BYTES << 5 // an empty byte string
  lite.set(bytes.subarray(at.end), at.head + 1)
  const decoded = dagCbor.decode<Record<string, unknown>>(lite)
  decoded[BLOCK_KEY] = bytes.subarray(at.start, at.end)
  return decoded
}

interface Head {
  major: number
  arg: number
  /** Offset just after the head. */
  next: number
  /** The argument was written in its shortest form. */
  minimal: boolean
}

function readHead(b: Uint8Array, pos: number): Head | undefined {
  if (pos >= b.length) return undefined
  const major = b[pos]! >> 5
  const info = b[pos]! & 31
  if (info < 24) return { major, arg: info, next: pos + 1, minimal: true }
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
  if (size === 0 || pos + 1 + size > b.length) return undefined
  let arg = 0
  // Eight-byte arguments only matter for skipping numbers; a length that large is refused.
  for (let i = 0; i < size; i++) arg = arg * 256 + b[pos + 1 + i]!
  const floor = size === 1 ? 24 : 2 ** (8 * (size / 2))
  return { major, arg, next: pos + 1 + size, minimal: arg >= floor }
}

/** Offset just after the item at `pos`, or undefined when the scan leaves it to the decoder. */
function skipItem(b: Uint8Array, pos: number, depth: number): number | undefined {
  if (depth > MAX_SCAN_DEPTH) return undefined
  const h = readHead(b, pos)
  if (h === undefined) return undefined
  switch (h.major) {
    case 0:
    case 1:
    case 7:
      return h.next
    case MAJOR_BYTES:
    case MAJOR_TEXT:
      return h.next + h.arg <= b.length ? h.next + h.arg : undefined
    case 6:
      return skipItem(b, h.next, depth + 1)
    default: {
      // Arrays hold arg items, maps twice that.
      let p: number | undefined = h.next
      const items = h.major === 4 ? h.arg : h.arg * 2
      if (items > b.length) return undefined
      for (let i = 0; i < items && p !== undefined; i++) p = skipItem(b, p, depth + 1)
      return p
    }
  }
}

/**
 * Where the first top-level `block` byte string lies: `head` is the offset of its CBOR head,
 * `start`..`end` its bytes. Undefined when the message is not a map holding one, or when its
 * head is not in shortest form (the full decoder then refuses the message).
 */
function findBlock(b: Uint8Array): { head: number; start: number; end: number } | undefined {
  const map = readHead(b, 0)
  if (map === undefined || map.major !== MAJOR_MAP) return undefined
  let pos: number | undefined = map.next
  for (let i = 0; i < map.arg && pos !== undefined; i++) {
    const key = readHead(b, pos)
    if (key === undefined || key.major !== MAJOR_TEXT) return undefined
    const keyEnd = key.next + key.arg
    if (keyEnd > b.length) return undefined
    pos = keyEnd
    if (key.arg === BLOCK_KEY.length && isBlockKey(b, key.next)) {
      const value = readHead(b, pos)
      if (value === undefined || value.major !== MAJOR_BYTES || !value.minimal) return undefined
      const end = value.next + value.arg
      return end <= b.length ? { head: pos, start: value.next, end } : undefined
    }
    pos = skipItem(b, pos, 1)
  }
  return undefined
}

function isBlockKey(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < BLOCK_KEY.length; i++) {
    if (b[at + i] !== BLOCK_KEY.charCodeAt(i)) return false
  }
  return true
}
