import * as dagCbor from '@ipld/dag-cbor'
import { equals } from '../bytes.ts'
import { isPlainMap } from '../plain-map.ts'
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from './constants.ts'
import { decodeWithBlockView, encodeWithBlock } from './block-field.ts'
import {
  MalformedMessageError,
  MessageTooLargeError,
  UnexpectedMessageError,
  UnsupportedVersionError,
} from './errors.ts'
import { MESSAGES, type MessageDef } from './message-table.ts'
import type { Message } from './messages.ts'
import { exactKeys, fail, type Obj } from './wire-fields.ts'

/** The definition of a message type; the table is keyed by every type, so this cannot miss. */
function defOf(type: Message['type']): MessageDef<Message> {
  return MESSAGES[type]
}

/** The message as the map that goes on the wire, refused if decoding would refuse it. */
function messageFields(m: Message): Obj {
  const def = defOf(m.type)
  const body = def.toWire(m)
  exactKeys(body, def.required, def.optional)
  def.fromWire(body)
  return { v: PROTOCOL_VERSION, type: m.type, ...body }
}

/** Encodes a message body (without the length prefix). */
export function encodeMessage(m: Message): Uint8Array {
  const bytes = dagCbor.encode(messageFields(m))
  if (bytes.length > MAX_MESSAGE_BYTES)
    throw new MessageTooLargeError(`message of ${bytes.length} bytes`)
  return bytes
}

/**
 * The same bytes as `encodeMessage`, in parts to be sent one after another: a message that
 * carries a block has the caller's block array as one of them instead of a copy.
 */
export function encodeMessageParts(m: Message): Uint8Array[] {
  if (m.type !== 'store' && m.type !== 'block') return [encodeMessage(m)]
  const parts = encodeWithBlock(messageFields(m), m.block)
  const length = parts[0].length + parts[1].length + parts[2].length
  if (length > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(`message of ${length} bytes`)
  return parts
}

/**
 * Decodes and strictly validates a message body; every failure is a typed WireError. A block
 * it carries is a view of `bytes`, not a copy.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length > MAX_MESSAGE_BYTES)
    throw new MessageTooLargeError(`message of ${bytes.length} bytes`)
  let o: unknown
  try {
    o = decodeWithBlockView(bytes)
  } catch (err) {
    throw new MalformedMessageError(
      `not canonical dag-cbor: ${(err as Error)?.message ?? String(err)}`,
    )
  }
  if (!isPlainMap(o)) fail('message is not a map')
  if (o.v !== PROTOCOL_VERSION) {
    if (typeof o.v === 'number' && Number.isInteger(o.v))
      throw new UnsupportedVersionError(`version ${o.v}`)
    fail('missing or invalid version')
  }
  if (!isCanonical(o, bytes)) fail('not canonical dag-cbor')
  const { v: _v, type, ...rest } = o
  // hasOwn, not `in`: a type named after an Object.prototype key is just unknown.
  if (typeof type !== 'string' || !Object.hasOwn(MESSAGES, type))
    fail(`unknown message type ${typeof type === 'string' ? type.slice(0, 32) : typeof type}`)
  const def = defOf(type as Message['type'])
  exactKeys(rest, def.required, def.optional)
  return def.fromWire(rest)
}

/**
 * Whether `bytes` are the one DAG-CBOR encoding of `decoded`. The decoder alone lets through a
 * float where an integer belongs (5.0 reads as 5), which FORMAT.md forbids. A block is compared
 * by position and length only: it is a view of `bytes`, so its content is the same by
 * construction, and the rest of the message is small.
 */
function isCanonical(decoded: Obj, bytes: Uint8Array): boolean {
  if (!(decoded.block instanceof Uint8Array)) return equals(dagCbor.encode(decoded), bytes)
  const [before, block, after] = encodeWithBlock(decoded, decoded.block)
  return (
    before.length + block.length + after.length === bytes.length &&
    equals(before, bytes.subarray(0, before.length)) &&
    equals(after, bytes.subarray(bytes.length - after.length))
  )
}

/** Decodes a message and checks that its type is one of `allowed`. */
export function decodeExpected<T extends Message['type']>(
  bytes: Uint8Array,
  allowed: readonly T[],
): Extract<Message, { type: T }> {
  const m = decodeMessage(bytes)
  if (!(allowed as readonly string[]).includes(m.type)) {
    throw new UnexpectedMessageError(`unexpected ${m.type}, expected ${allowed.join(' or ')}`)
  }
  return m as Extract<Message, { type: T }>
}
