import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { isPlainMap } from '../plain-map.ts'
import * as Digest from 'multiformats/hashes/digest'
import {
  MAX_BLOCK_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_MESSAGE_BYTES,
  MAX_PEER_ID_BYTES,
  MAX_SIGNATURE_BYTES,
  MAX_STRIPE_SHARDS,
  PROTOCOL_VERSION,
} from './constants.ts'
import { DAG_CBOR_CODE, RAW_CODE, SHA2_256_CODE } from '../block.ts'
import { decodeWithBlockView, encodeWithBlock } from './block-field.ts'
import {
  MalformedMessageError,
  MessageTooLargeError,
  UnexpectedMessageError,
  UnsupportedVersionError,
} from './errors.ts'

/** Why a holder refused a request; sent as a string so new codes degrade to "unknown". */
export const ERROR_CODES = [
  'PLEDGE_FULL',
  'CID_MISMATCH',
  'TOO_LARGE',
  'BAD_REQUEST',
  'BAD_SIGNATURE',
  'NOT_OWNER',
  'STALE',
  'INTERNAL',
  'SOURCE_FAILED',
  'NOT_MEMBER',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** A holder's signed statement that it keeps a block. */
export interface Receipt {
  cid: CID
  size: number
  /** Holder's peer id as multihash bytes. */
  holder: Uint8Array
  /** Milliseconds since the Unix epoch, holder's clock. */
  time: number
  signature: Uint8Array
}

export interface StoreRequest {
  type: 'store'
  cid: CID
  block: Uint8Array
  owner: Uint8Array
  /** The manifest CID of the file the block belongs to, when the owner wants it known. */
  file?: CID
}
/** One of the k shards a holder reads to compute the shard it is asked to build. */
export interface BuildSource {
  /** Position of the shard in its stripe (0 … n − 1). */
  index: number
  cid: CID
  /** A peer that keeps it (peer id multihash bytes). */
  holder: Uint8Array
}

/**
 * Asks a holder to compute one shard of a stripe itself from k others kept by other peers, and
 * keep it as if stored: the owner's uplink then carries only k of the n shards.
 */
export interface BuildRequest {
  type: 'build'
  /** The shard to build; the holder keeps it only if its bytes hash to this. */
  cid: CID
  size: number
  k: number
  n: number
  /** Position of the shard to build in its stripe. */
  index: number
  /** Exactly k other shards of the stripe, at distinct positions. */
  sources: BuildSource[]
  owner: Uint8Array
  file?: CID
}
export interface StoreOk {
  type: 'store-ok'
  receipt: Receipt
}
export interface DeleteRequest {
  type: 'delete'
  cids: CID[]
  owner: Uint8Array
  /** The holder the request is meant for, so it cannot be replayed to another peer. */
  holder: Uint8Array
  time: number
  signature: Uint8Array
}
export interface DeleteOk {
  type: 'delete-ok'
  /** The CIDs this owner no longer has pinned on the holder. */
  deleted: CID[]
}
export interface ErrorResponse {
  type: 'error'
  code: ErrorCode | 'UNKNOWN'
  message: string
}
export interface FetchRequest {
  type: 'fetch'
  cid: CID
}
export interface FetchBlock {
  type: 'block'
  block: Uint8Array
}
export interface FetchNotFound {
  type: 'not-found'
}
export interface HasRequest {
  type: 'has'
  cids: CID[]
}
export interface HasResponse {
  type: 'have'
  /** have[i] tells whether the holder keeps cids[i] of the request. */
  have: boolean[]
}

/** How much pledged space a peer has left: what placement weighs peers by. */
export interface SpaceRequest {
  type: 'space'
}
export interface SpaceInfo {
  type: 'space-info'
  /** Free pledged bytes right now. */
  free: number
}

export type StoreProtocolRequest = StoreRequest | BuildRequest | DeleteRequest
export type StoreProtocolResponse = StoreOk | DeleteOk | ErrorResponse
export type FetchProtocolRequest = FetchRequest | HasRequest | SpaceRequest
export type FetchProtocolResponse =
  FetchBlock | FetchNotFound | HasResponse | SpaceInfo | ErrorResponse
export type Message =
  StoreProtocolRequest | StoreProtocolResponse | FetchProtocolRequest | FetchProtocolResponse

// ---------- encoding ----------

function receiptToCbor(r: Receipt): Record<string, unknown> {
  return { cid: r.cid, size: r.size, holder: r.holder, time: r.time, sig: r.signature }
}

/** The message as the map that goes on the wire. */
function messageFields(m: Message): Record<string, unknown> {
  validateMessage(m)
  let body: Record<string, unknown>
  switch (m.type) {
    case 'store':
      body = { cid: m.cid, block: m.block, owner: m.owner }
      if (m.file !== undefined) body.file = m.file
      break
    case 'build':
      body = {
        cid: m.cid,
        size: m.size,
        k: m.k,
        n: m.n,
        index: m.index,
        sources: m.sources.map((x) => ({ index: x.index, cid: x.cid, holder: x.holder })),
        owner: m.owner,
      }
      if (m.file !== undefined) body.file = m.file
      break
    case 'store-ok':
      body = { receipt: receiptToCbor(m.receipt) }
      break
    case 'delete':
      body = { cids: m.cids, owner: m.owner, holder: m.holder, time: m.time, sig: m.signature }
      break
    case 'delete-ok':
      body = { deleted: m.deleted }
      break
    case 'error':
      body = { code: m.code, message: m.message }
      break
    case 'fetch':
      body = { cid: m.cid }
      break
    case 'block':
      body = { block: m.block }
      break
    case 'not-found':
    case 'space':
      body = {}
      break
    case 'space-info':
      body = { free: m.free }
      break
    case 'has':
      body = { cids: m.cids }
      break
    case 'have':
      body = { have: m.have }
      break
  }
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

// ---------- decoding ----------

type Obj = Record<string, unknown>

function fail(msg: string): never {
  throw new MalformedMessageError(msg)
}

function exactKeys(o: Obj, required: string[], optional: string[] = []): void {
  for (const k of required) if (!Object.hasOwn(o, k)) fail(`missing field ${k}`)
  for (const k of Object.keys(o))
    if (!required.includes(k) && !optional.includes(k)) fail(`unknown field ${k}`)
}

/** A block address we store: CIDv1, raw or dag-cbor, sha2-256 with a 32-byte digest. */
export function isBlockCid(x: unknown): x is CID {
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

function cidField(x: unknown, name: string): CID {
  if (!isBlockCid(x)) fail(`${name} is not a CIDv1 sha2-256 raw or dag-cbor CID`)
  return CID.asCID(x)!
}

function cidList(x: unknown, name: string): CID[] {
  if (!Array.isArray(x)) fail(`${name} is not a list`)
  if (x.length === 0 || x.length > MAX_CIDS_PER_MESSAGE) fail(`${name} has ${x.length} entries`)
  return x.map((c, i) => cidField(c, `${name}[${i}]`))
}

function bytesField(x: unknown, name: string, min: number, max: number): Uint8Array {
  if (!(x instanceof Uint8Array)) fail(`${name} is not bytes`)
  if (x.length < min || x.length > max) fail(`${name} has ${x.length} bytes`)
  return x
}

function peerIdField(x: unknown, name: string): Uint8Array {
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

function uintField(x: unknown, name: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)
    fail(`${name} is not a non-negative integer`)
  return x
}

function receiptField(x: unknown): Receipt {
  if (!isPlainMap(x)) fail('receipt is not a map')
  exactKeys(x, ['cid', 'size', 'holder', 'time', 'sig'])
  const size = uintField(x.size, 'receipt.size')
  if (size > MAX_BLOCK_BYTES) fail('receipt.size too large')
  return {
    cid: cidField(x.cid, 'receipt.cid'),
    size,
    holder: peerIdField(x.holder, 'receipt.holder'),
    time: uintField(x.time, 'receipt.time'),
    signature: bytesField(x.sig, 'receipt.sig', 1, MAX_SIGNATURE_BYTES),
  }
}

function sourceList(x: unknown): BuildSource[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > MAX_STRIPE_SHARDS)
    fail('sources is not a list of 1 to 256 entries')
  return x.map((s, i) => {
    if (!isPlainMap(s)) fail(`sources[${i}] is not a map`)
    exactKeys(s, ['index', 'cid', 'holder'])
    return {
      index: uintField(s.index, `sources[${i}].index`),
      cid: cidField(s.cid, `sources[${i}].cid`),
      holder: peerIdField(s.holder, `sources[${i}].holder`),
    }
  })
}

/** The stripe geometry of a build request: what the erasure code can compute. */
function checkBuild(m: BuildRequest): void {
  if (m.size < 1 || m.size > MAX_BLOCK_BYTES) fail(`size ${m.size} is out of range`)
  if (m.k < 1 || m.n <= m.k || m.n > MAX_STRIPE_SHARDS) fail(`k ${m.k}, n ${m.n} is not a code`)
  if (m.index >= m.n) fail('index is outside the stripe')
  if (m.sources.length !== m.k) fail(`sources has ${m.sources.length} entries, not k`)
  const seen = new Set<number>([m.index])
  for (const s of m.sources) {
    if (s.index >= m.n || seen.has(s.index)) fail('sources repeat or leave the stripe')
    seen.add(s.index)
  }
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
  const { v: _v, type, ...rest } = o
  switch (type) {
    case 'store': {
      exactKeys(rest, ['cid', 'block', 'owner'], ['file'])
      const m: StoreRequest = {
        type,
        cid: cidField(rest.cid, 'cid'),
        block: bytesField(rest.block, 'block', 0, MAX_BLOCK_BYTES),
        owner: peerIdField(rest.owner, 'owner'),
      }
      if (Object.hasOwn(rest, 'file')) m.file = cidField(rest.file, 'file')
      return m
    }
    case 'build': {
      exactKeys(rest, ['cid', 'size', 'k', 'n', 'index', 'sources', 'owner'], ['file'])
      const m: BuildRequest = {
        type,
        cid: cidField(rest.cid, 'cid'),
        size: uintField(rest.size, 'size'),
        k: uintField(rest.k, 'k'),
        n: uintField(rest.n, 'n'),
        index: uintField(rest.index, 'index'),
        sources: sourceList(rest.sources),
        owner: peerIdField(rest.owner, 'owner'),
      }
      if (Object.hasOwn(rest, 'file')) m.file = cidField(rest.file, 'file')
      checkBuild(m)
      return m
    }
    case 'store-ok':
      exactKeys(rest, ['receipt'])
      return { type, receipt: receiptField(rest.receipt) }
    case 'delete':
      exactKeys(rest, ['cids', 'owner', 'holder', 'time', 'sig'])
      return {
        type,
        cids: cidList(rest.cids, 'cids'),
        owner: peerIdField(rest.owner, 'owner'),
        holder: peerIdField(rest.holder, 'holder'),
        time: uintField(rest.time, 'time'),
        signature: bytesField(rest.sig, 'sig', 1, MAX_SIGNATURE_BYTES),
      }
    case 'delete-ok': {
      exactKeys(rest, ['deleted'])
      if (Array.isArray(rest.deleted) && rest.deleted.length === 0) return { type, deleted: [] }
      return { type, deleted: cidList(rest.deleted, 'deleted') }
    }
    case 'error': {
      exactKeys(rest, ['code', 'message'])
      if (typeof rest.code !== 'string' || rest.code.length > 32) fail('code is not a short string')
      if (typeof rest.message !== 'string' || rest.message.length > MAX_ERROR_MESSAGE_LENGTH) {
        fail('message is not a short string')
      }
      const code = (ERROR_CODES as readonly string[]).includes(rest.code)
        ? (rest.code as ErrorCode)
        : 'UNKNOWN'
      return { type, code, message: rest.message }
    }
    case 'fetch':
      exactKeys(rest, ['cid'])
      return { type, cid: cidField(rest.cid, 'cid') }
    case 'block':
      exactKeys(rest, ['block'])
      return { type, block: bytesField(rest.block, 'block', 0, MAX_BLOCK_BYTES) }
    case 'not-found':
    case 'space':
      exactKeys(rest, [])
      return { type }
    case 'space-info':
      exactKeys(rest, ['free'])
      return { type, free: uintField(rest.free, 'free') }
    case 'has':
      exactKeys(rest, ['cids'])
      return { type, cids: cidList(rest.cids, 'cids') }
    case 'have': {
      exactKeys(rest, ['have'])
      const have = rest.have
      if (!Array.isArray(have) || have.length === 0 || have.length > MAX_CIDS_PER_MESSAGE)
        fail('have is not a list')
      if (!have.every((b) => typeof b === 'boolean')) fail('have holds a non-boolean')
      return { type, have }
    }
    default:
      fail(`unknown message type ${typeof type === 'string' ? type.slice(0, 32) : typeof type}`)
  }
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

/** Encoding refuses what decoding would refuse, so a bug on our side never reaches a peer. */
function validateMessage(m: Message): void {
  const cids = (list: CID[], name: string): void => {
    if (list.length > MAX_CIDS_PER_MESSAGE) fail(`${name} has ${list.length} entries`)
    list.forEach((c, i) => cidField(c, `${name}[${i}]`))
  }
  switch (m.type) {
    case 'store':
      cidField(m.cid, 'cid')
      if (m.block.length > MAX_BLOCK_BYTES)
        throw new MessageTooLargeError(`block of ${m.block.length} bytes`)
      peerIdField(m.owner, 'owner')
      if (m.file !== undefined) cidField(m.file, 'file')
      break
    case 'build':
      cidField(m.cid, 'cid')
      uintField(m.size, 'size')
      uintField(m.k, 'k')
      uintField(m.n, 'n')
      uintField(m.index, 'index')
      m.sources.forEach((x, i) => {
        uintField(x.index, `sources[${i}].index`)
        cidField(x.cid, `sources[${i}].cid`)
        peerIdField(x.holder, `sources[${i}].holder`)
      })
      peerIdField(m.owner, 'owner')
      if (m.file !== undefined) cidField(m.file, 'file')
      checkBuild(m)
      break
    case 'store-ok':
      cidField(m.receipt.cid, 'receipt.cid')
      peerIdField(m.receipt.holder, 'receipt.holder')
      uintField(m.receipt.size, 'receipt.size')
      uintField(m.receipt.time, 'receipt.time')
      bytesField(m.receipt.signature, 'receipt.sig', 1, MAX_SIGNATURE_BYTES)
      break
    case 'delete':
      if (m.cids.length === 0) fail('cids is empty')
      cids(m.cids, 'cids')
      peerIdField(m.owner, 'owner')
      peerIdField(m.holder, 'holder')
      uintField(m.time, 'time')
      bytesField(m.signature, 'sig', 1, MAX_SIGNATURE_BYTES)
      break
    case 'delete-ok':
      cids(m.deleted, 'deleted')
      break
    case 'error':
      if (m.message.length > MAX_ERROR_MESSAGE_LENGTH) fail('error message too long')
      break
    case 'fetch':
      cidField(m.cid, 'cid')
      break
    case 'block':
      if (m.block.length > MAX_BLOCK_BYTES)
        throw new MessageTooLargeError(`block of ${m.block.length} bytes`)
      break
    case 'has':
      if (m.cids.length === 0) fail('cids is empty')
      cids(m.cids, 'cids')
      break
    case 'have':
      if (m.have.length === 0 || m.have.length > MAX_CIDS_PER_MESSAGE) fail('have has a bad length')
      break
    case 'space-info':
      uintField(m.free, 'free')
      break
    case 'not-found':
    case 'space':
      break
  }
}
