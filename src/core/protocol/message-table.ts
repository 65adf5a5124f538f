import { isPlainMap } from '../plain-map.ts'
import {
  MAX_BLOCK_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MAX_ERROR_CODE_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_SIGNATURE_BYTES,
  MAX_STRIPE_SHARDS,
} from './constants.ts'
import { MessageTooLargeError } from './errors.ts'
import {
  ERROR_CODES,
  type BuildRequest,
  type BuildSource,
  type ErrorCode,
  type Message,
  type Receipt,
} from './messages.ts'
import {
  bytesField,
  cidField,
  cidList,
  exactKeys,
  fail,
  peerIdField,
  uintField,
  type Obj,
} from './wire-fields.ts'

/**
 * One message type: its wire keys, how it becomes the wire map and how it is read back. The
 * codec (message-codec.ts) is derived from these: decoding checks the keys then runs `fromWire`;
 * encoding runs `toWire`, then `fromWire` over the result, so encoding refuses exactly what
 * decoding would refuse and a bug on our side never reaches a peer.
 */
export interface MessageDef<M extends Message> {
  required: readonly string[]
  optional?: readonly string[]
  /** The fields beside `v` and `type`. */
  toWire(m: M): Obj
  /** Reads and checks every field; throws MalformedMessageError. */
  fromWire(o: Obj): M
}

type Table = { [T in Message['type']]: MessageDef<Extract<Message, { type: T }>> }

/** A block about to be sent: one over the limit is a too-large message, not a malformed one. */
function outgoingBlock(block: Uint8Array): Uint8Array {
  if (block.length > MAX_BLOCK_BYTES)
    throw new MessageTooLargeError(`block of ${block.length} bytes`)
  return block
}

function blockField(x: unknown): Uint8Array {
  return bytesField(x, 'block', 0, MAX_BLOCK_BYTES)
}

function sigField(x: unknown, name: string): Uint8Array {
  return bytesField(x, name, 1, MAX_SIGNATURE_BYTES)
}

/** Adds the optional manifest CID when it is there: an absent key, never an undefined one. */
function withFile<T extends { file?: unknown }>(wire: Obj, m: T): Obj {
  if (m.file !== undefined) wire.file = m.file
  return wire
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
    signature: sigField(x.sig, 'receipt.sig'),
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
function checkBuild(m: BuildRequest): BuildRequest {
  if (m.size < 1 || m.size > MAX_BLOCK_BYTES) fail(`size ${m.size} is out of range`)
  if (m.k < 1 || m.n <= m.k || m.n > MAX_STRIPE_SHARDS) fail(`k ${m.k}, n ${m.n} is not a code`)
  if (m.index >= m.n) fail('index is outside the stripe')
  if (m.sources.length !== m.k) fail(`sources has ${m.sources.length} entries, not k`)
  const seen = new Set<number>([m.index])
  for (const s of m.sources) {
    if (s.index >= m.n || seen.has(s.index)) fail('sources repeat or leave the stripe')
    seen.add(s.index)
  }
  return m
}

/** A message with nothing beside `v` and `type`. */
function fieldless<T extends 'not-found' | 'space'>(
  type: T,
): MessageDef<Extract<Message, { type: T }>> {
  return {
    required: [],
    toWire: () => ({}),
    fromWire: () => ({ type }) as Extract<Message, { type: T }>,
  }
}

/** Every message of both protocols, one entry each (docs/FORMAT.md, "Store and fetch protocols"). */
export const MESSAGES: Table = {
  store: {
    required: ['cid', 'block', 'owner'],
    optional: ['file'],
    toWire: (m) => withFile({ cid: m.cid, block: outgoingBlock(m.block), owner: m.owner }, m),
    fromWire: (o) => ({
      type: 'store',
      cid: cidField(o.cid, 'cid'),
      block: blockField(o.block),
      owner: peerIdField(o.owner, 'owner'),
      ...(Object.hasOwn(o, 'file') ? { file: cidField(o.file, 'file') } : {}),
    }),
  },
  build: {
    required: ['cid', 'size', 'k', 'n', 'index', 'sources', 'owner'],
    optional: ['file'],
    toWire: (m) =>
      withFile(
        {
          cid: m.cid,
          size: m.size,
          k: m.k,
          n: m.n,
          index: m.index,
          sources: m.sources.map((x) => ({ index: x.index, cid: x.cid, holder: x.holder })),
          owner: m.owner,
        },
        m,
      ),
    fromWire: (o) =>
      checkBuild({
        type: 'build',
        cid: cidField(o.cid, 'cid'),
        size: uintField(o.size, 'size'),
        k: uintField(o.k, 'k'),
        n: uintField(o.n, 'n'),
        index: uintField(o.index, 'index'),
        sources: sourceList(o.sources),
        owner: peerIdField(o.owner, 'owner'),
        ...(Object.hasOwn(o, 'file') ? { file: cidField(o.file, 'file') } : {}),
      }),
  },
  'store-ok': {
    required: ['receipt'],
    toWire: ({ receipt: r }) => ({
      receipt: { cid: r.cid, size: r.size, holder: r.holder, time: r.time, sig: r.signature },
    }),
    fromWire: (o) => ({ type: 'store-ok', receipt: receiptField(o.receipt) }),
  },
  delete: {
    required: ['cids', 'owner', 'holder', 'time', 'sig'],
    toWire: (m) => ({
      cids: m.cids,
      owner: m.owner,
      holder: m.holder,
      time: m.time,
      sig: m.signature,
    }),
    fromWire: (o) => ({
      type: 'delete',
      cids: cidList(o.cids, 'cids'),
      owner: peerIdField(o.owner, 'owner'),
      holder: peerIdField(o.holder, 'holder'),
      time: uintField(o.time, 'time'),
      signature: sigField(o.sig, 'sig'),
    }),
  },
  'delete-ok': {
    required: ['deleted'],
    toWire: (m) => ({ deleted: m.deleted }),
    // Unlike a request's list, the answer may be empty: nothing of this owner was held.
    fromWire: (o) => ({
      type: 'delete-ok',
      deleted:
        Array.isArray(o.deleted) && o.deleted.length === 0 ? [] : cidList(o.deleted, 'deleted'),
    }),
  },
  error: {
    required: ['code', 'message'],
    toWire: (m) => ({ code: m.code, message: m.message }),
    fromWire: (o) => {
      if (typeof o.code !== 'string' || o.code.length > MAX_ERROR_CODE_LENGTH)
        fail('code is not a short string')
      if (typeof o.message !== 'string' || o.message.length > MAX_ERROR_MESSAGE_LENGTH)
        fail('message is not a short string')
      // Codes this build does not know (added by a newer peer) degrade to UNKNOWN.
      const code = (ERROR_CODES as readonly string[]).includes(o.code)
        ? (o.code as ErrorCode)
        : 'UNKNOWN'
      return { type: 'error', code, message: o.message }
    },
  },
  fetch: {
    required: ['cid'],
    toWire: (m) => ({ cid: m.cid }),
    fromWire: (o) => ({ type: 'fetch', cid: cidField(o.cid, 'cid') }),
  },
  block: {
    required: ['block'],
    toWire: (m) => ({ block: outgoingBlock(m.block) }),
    fromWire: (o) => ({ type: 'block', block: blockField(o.block) }),
  },
  'not-found': fieldless('not-found'),
  has: {
    required: ['cids'],
    toWire: (m) => ({ cids: m.cids }),
    fromWire: (o) => ({ type: 'has', cids: cidList(o.cids, 'cids') }),
  },
  have: {
    required: ['have'],
    toWire: (m) => ({ have: m.have }),
    fromWire: (o) => {
      const have = o.have
      if (!Array.isArray(have) || have.length === 0 || have.length > MAX_CIDS_PER_MESSAGE)
        fail('have is not a list')
      if (!have.every((b) => typeof b === 'boolean')) fail('have holds a non-boolean')
      return { type: 'have', have }
    },
  },
  space: fieldless('space'),
  'space-info': {
    required: ['free'],
    toWire: (m) => ({ free: m.free }),
    fromWire: (o) => ({ type: 'space-info', free: uintField(o.free, 'free') }),
  },
}
