import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { DAG_CBOR_CODE, RAW_CODE, SHA2_256_CODE } from '../block.ts'
import { MAX_CIDS_PER_MESSAGE, MAX_PEER_ID_BYTES } from './constants.ts'
import { MalformedMessageError } from './errors.ts'

// The field readers every message definition is built from. Each checks one wire value and
// returns it typed; the same readers run on decoding and, over the wire form, on encoding.

export type Obj = Record<string, unknown>

export function fail(msg: string): never {
  throw new MalformedMessageError(msg)
}

export function exactKeys(
  o: Obj,
  required: readonly string[],
  optional: readonly string[] = [],
): void {
  for (const k of required) if (!Object.hasOwn(o, k)) fail(`missing field ${k}`)
  for (const k of Object.keys(o))
    if (!required.includes(k) && !optional.includes(k)) fail(`unknown field ${k}`)
}

/** A block address we store: CIDv1, raw or dag-cbor, sha2-256 with a 32-byte digest. */
function isBlockCid(x: unknown): x is CID {
  const cid = CID.asCID(x)
  return (
    cid !== null &&
    cid.version === 1 &&
    (cid.code === RAW_CODE || cid.code === DAG_CBOR_CODE) &&
    cid.multihash.code === SHA2_256_CODE &&
    cid.multihash.size === 32 &&
    cid.multihash.digest.length === 32
  )
}

export function cidField(x: unknown, name: string): CID {
  if (!isBlockCid(x)) fail(`${name} is not a CIDv1 sha2-256 raw or dag-cbor CID`)
  return CID.asCID(x)!
}

/** 1 … MAX_CIDS_PER_MESSAGE CIDs. */
export function cidList(x: unknown, name: string): CID[] {
  if (!Array.isArray(x)) fail(`${name} is not a list`)
  if (x.length === 0 || x.length > MAX_CIDS_PER_MESSAGE) fail(`${name} has ${x.length} entries`)
  return x.map((c, i) => cidField(c, `${name}[${i}]`))
}

export function bytesField(x: unknown, name: string, min: number, max: number): Uint8Array {
  if (!(x instanceof Uint8Array)) fail(`${name} is not bytes`)
  if (x.length < min || x.length > max) fail(`${name} has ${x.length} bytes`)
  return x
}

/** A peer id as multihash bytes: a well-formed multihash and nothing after it. */
export function peerIdField(x: unknown, name: string): Uint8Array {
  const b = bytesField(x, name, 2, MAX_PEER_ID_BYTES)
  try {
    const d = Digest.decode(b)
    if (d.bytes.length !== b.length) fail(`${name} has trailing bytes`)
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err
    fail(`${name} is not a multihash`)
  }
  return b
}

export function uintField(x: unknown, name: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    fail(`${name} is not a non-negative integer`)
  return x
}
