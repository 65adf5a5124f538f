import type {
  ComponentLogger,
  Connection,
  Logger,
  PeerId,
  PrivateKey,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import {
  decodeExpected,
  deleteSigningBytes,
  encodeMessageParts,
  MESSAGE_OVERHEAD_BYTES,
  receiptSigningBytes,
  type DeleteRequest,
  type ErrorCode,
  type Receipt,
  type StoreProtocolResponse,
  type StoreRequest,
} from '../../core/protocol/index.ts'
import type { HoldingLedger } from '../../storage/holding-ledger.ts'
import {
  DELETE_MAX_CLOCK_SKEW_MS,
  MAX_RESPONSE_BYTES,
  STORE_MAX_BLOCK_BYTES,
  STORE_MAX_INBOUND_STREAMS,
  STORE_MAX_OUTBOUND_STREAMS,
  STORE_MAX_STREAMS_PER_PEER,
  STORE_POOL_IDLE_TIMEOUT_MS,
  STORE_PROTOCOL,
  STORE_STREAM_IDLE_TIMEOUT_MS,
  STORE_TIMEOUT_MS,
} from './constants.ts'
import { InvalidReceiptError, StoreRefusedError, UnverifiablePeerError } from './errors.ts'
import { matchesCid } from './block-io.ts'
import { peerIdFromBytes, publicKeyOf, sameBytes } from './keys.ts'
import { serveExchanges } from './serve-exchanges.ts'
import type { ConnectionSource } from './stream-io.ts'
import { StreamPool } from './stream-pool.ts'

export interface CofferStoreInit {
  /** Largest block accepted from others (default 4 MiB, never above the wire limit). */
  maxBlockBytes?: number
  /** Limit on one whole exchange, either side. */
  timeout?: number
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** Streams this node keeps open to one holder (never above `maxOutboundStreams`). */
  maxStreamsPerPeer?: number
  /** Holder side: a stream with no new request for this long is closed. */
  idleTimeout?: number
  /** Owner side: an unused pooled stream is closed after this long. */
  poolIdleTimeout?: number
  /** Clock skew tolerated on signed deletes. */
  maxClockSkew?: number
}

/** The pledge as the service sees it: how many bytes this device gives to others. */
export interface PledgeSource {
  pledgedBytes(): number | Promise<number>
}

export interface CofferStoreComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: ConnectionSource
  peerId: PeerId
  privateKey: PrivateKey
  logger: ComponentLogger
  blockstore: Pick<Blockstore, 'put' | 'get' | 'has' | 'delete'>
  holdings: HoldingLedger
  pledge: PledgeSource
}

export interface StoreOptions {
  signal?: AbortSignal
  /** Manifest CID of the file the shard belongs to, told to the holder. */
  file?: CID
}

/** Answer to an accepted delete: the CIDs this owner no longer has pinned on the holder. */
export interface DeleteResult {
  deleted: CID[]
}

/**
 * `/coffer/store/1.0.0`: a member asks a peer to keep a block and gets a signed receipt, or
 * asks it (with a signed request) to let go of blocks it stored. A stream carries one exchange at
 * a time and may carry many in turn (see docs/STORAGE.md).
 */
export class CofferStore {
  readonly protocol = STORE_PROTOCOL
  readonly #c: CofferStoreComponents
  readonly #log: Logger
  readonly #maxBlockBytes: number
  readonly #timeout: number
  readonly #maxInbound: number
  readonly #maxOutbound: number
  readonly #maxSkew: number
  readonly #idleTimeout: number
  readonly #pool: StreamPool
  /** Bytes promised to stores in flight, so concurrent requests cannot overrun the pledge together. */
  #reserved = 0
  #started = false

  constructor(components: CofferStoreComponents, init: CofferStoreInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('coffer:net:store')
    this.#maxBlockBytes = Math.min(
      init.maxBlockBytes ?? STORE_MAX_BLOCK_BYTES,
      STORE_MAX_BLOCK_BYTES,
    )
    this.#timeout = init.timeout ?? STORE_TIMEOUT_MS
    this.#maxInbound = init.maxInboundStreams ?? STORE_MAX_INBOUND_STREAMS
    this.#maxOutbound = init.maxOutboundStreams ?? STORE_MAX_OUTBOUND_STREAMS
    this.#maxSkew = init.maxClockSkew ?? DELETE_MAX_CLOCK_SKEW_MS
    this.#idleTimeout = init.idleTimeout ?? STORE_STREAM_IDLE_TIMEOUT_MS
    this.#pool = new StreamPool({
      protocol: this.protocol,
      connections: components.connectionManager,
      log: this.#log,
      maxStreamsPerPeer: Math.min(
        init.maxStreamsPerPeer ?? STORE_MAX_STREAMS_PER_PEER,
        this.#maxOutbound,
      ),
      timeout: this.#timeout,
      idleTimeout: init.poolIdleTimeout ?? STORE_POOL_IDLE_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    })
  }

  readonly [Symbol.toStringTag] = 'coffer:store'

  async start(): Promise<void> {
    this.#pool.open()
    await this.#c.registrar.handle(this.protocol, this.#handle, {
      maxInboundStreams: this.#maxInbound,
      maxOutboundStreams: this.#maxOutbound,
      runOnLimitedConnection: false,
    })
    this.#started = true
  }

  async stop(): Promise<void> {
    this.#pool.close()
    await this.#c.registrar.unhandle(this.protocol)
    this.#started = false
  }

  isStarted(): boolean {
    return this.#started
  }

  // ---------------- holder side ----------------

  #handle = (stream: Stream, connection: Connection): void => {
    if (connection.limits != null) {
      // The registrar already refuses limited connections; this guards a misconfiguration.
      stream.abort(new Error('coffer store refuses limited connections'))
      return
    }
    const remote = connection.remotePeer
    void serveExchanges(stream, remote, {
      maxRequestBytes: this.#maxBlockBytes + MESSAGE_OVERHEAD_BYTES,
      timeout: this.#timeout,
      idleTimeout: this.#idleTimeout,
      log: this.#log,
      answer: async (body) => encodeMessageParts(await this.#answer(body, remote)),
    })
  }

  async #answer(body: Uint8Array, remote: PeerId): Promise<StoreProtocolResponse> {
    const request = decodeExpected(body, ['store', 'delete'])
    try {
      return request.type === 'store'
        ? await this.#store(request, remote)
        : await this.#delete(request, remote)
    } catch (err) {
      this.#log.error('%s from %p failed - %e', request.type, remote, err)
      return err instanceof UnverifiablePeerError
        ? refusal('BAD_SIGNATURE', err.message)
        : refusal('INTERNAL', 'the holder could not complete the request')
    }
  }

  async #store(req: StoreRequest, remote: PeerId): Promise<StoreProtocolResponse> {
    const owner = remote.toString()
    if (!sameBytes(req.owner, remote.toMultihash().bytes)) {
      return refusal('NOT_OWNER', 'owner must be the peer that sends the request')
    }
    const size = req.block.length
    if (size > this.#maxBlockBytes)
      return refusal('TOO_LARGE', `block of ${size} bytes exceeds ${this.#maxBlockBytes}`)
    if (!(await matchesCid(req.cid, req.block)))
      return refusal('CID_MISMATCH', 'block bytes do not match the CID')

    const key = req.cid.toString()
    const existing = await this.#c.holdings.get(key)
    if (existing === undefined) {
      const pledged = await this.#c.pledge.pledgedBytes()
      const used = await this.#c.holdings.usedBytes()
      if (used + this.#reserved + size > pledged) {
        return refusal(
          'PLEDGE_FULL',
          `pledge of ${pledged} bytes has ${Math.max(0, pledged - used - this.#reserved)} free`,
        )
      }
      this.#reserved += size
      try {
        // The block is a view of the request's buffer, and IndexedDB would keep all of it.
        await this.#c.blockstore.put(req.cid, req.block.slice())
        await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
      } finally {
        this.#reserved -= size
      }
    } else if (!existing.owners.includes(owner)) {
      // Already here for someone else: this owner pins it too, at no extra space.
      await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
    }
    this.#log('holding %s (%d bytes) for %p', key, size, remote)
    const unsigned = {
      cid: req.cid,
      size,
      holder: this.#c.peerId.toMultihash().bytes,
      time: Date.now(),
    }
    const signature = await this.#c.privateKey.sign(receiptSigningBytes(unsigned))
    return { type: 'store-ok', receipt: { ...unsigned, signature } }
  }

  async #delete(req: DeleteRequest, remote: PeerId): Promise<StoreProtocolResponse> {
    if (!sameBytes(req.owner, remote.toMultihash().bytes)) {
      return refusal('NOT_OWNER', 'owner must be the peer that sends the request')
    }
    if (!sameBytes(req.holder, this.#c.peerId.toMultihash().bytes)) {
      return refusal('BAD_REQUEST', 'delete is addressed to another holder')
    }
    if (Math.abs(Date.now() - req.time) > this.#maxSkew)
      return refusal('STALE', 'delete time is too far from now')
    const ok = await publicKeyOf(remote).verify(deleteSigningBytes(req), req.signature)
    if (!ok) return refusal('BAD_SIGNATURE', 'delete signature does not verify')

    const owner = remote.toString()
    const deleted: CID[] = []
    for (const cid of req.cids) {
      const result = await this.#c.holdings.release(cid.toString(), owner)
      if (result === 'released') {
        await this.#c.blockstore.delete(cid)
        deleted.push(cid)
      } else if (result === 'still-held') {
        deleted.push(cid)
      }
    }
    this.#log('released %d of %d blocks for %p', deleted.length, req.cids.length, remote)
    return { type: 'delete-ok', deleted }
  }

  // ---------------- owner side ----------------

  /** Asks `peer` to keep `bytes` under `cid`; resolves to its verified, signed receipt. */
  async storeShard(
    peer: PeerId,
    cid: CID,
    bytes: Uint8Array,
    options: StoreOptions = {},
  ): Promise<Receipt> {
    const request: StoreRequest = {
      type: 'store',
      cid,
      block: bytes,
      owner: this.#c.peerId.toMultihash().bytes,
    }
    if (options.file !== undefined) request.file = options.file
    const response = await this.#exchange(peer, encodeMessageParts(request), options.signal)
    if (response.type !== 'store-ok') throw new InvalidReceiptError(`unexpected ${response.type}`)
    const r = response.receipt
    if (!r.cid.equals(cid)) throw new InvalidReceiptError('receipt names another CID')
    if (r.size !== bytes.length) throw new InvalidReceiptError('receipt states another size')
    if (!sameBytes(r.holder, peer.toMultihash().bytes))
      throw new InvalidReceiptError('receipt names another holder')
    await verifyReceipt(r)
    return r
  }

  /** Asks `peer` to let go of blocks this node stored there; signed with this node's key. */
  async deleteShards(
    peer: PeerId,
    cids: CID[],
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteResult> {
    const unsigned = {
      cids,
      owner: this.#c.peerId.toMultihash().bytes,
      holder: peer.toMultihash().bytes,
      time: Date.now(),
    }
    const signature = await this.#c.privateKey.sign(deleteSigningBytes(unsigned))
    const response = await this.#exchange(
      peer,
      encodeMessageParts({ type: 'delete', ...unsigned, signature }),
      options.signal,
    )
    if (response.type !== 'delete-ok')
      throw new StoreRefusedError('UNKNOWN', `unexpected ${response.type}`)
    return { deleted: response.deleted }
  }

  async #exchange(
    peer: PeerId,
    body: Uint8Array[],
    signal?: AbortSignal,
  ): Promise<Exclude<StoreProtocolResponse, { type: 'error' }>> {
    const response = await this.#pool.exchange(peer, body, {
      maxResponseBytes: MAX_RESPONSE_BYTES,
      expected: ['store-ok', 'delete-ok', 'error'],
      signal,
    })
    if (response.type === 'error') throw new StoreRefusedError(response.code, response.message)
    return response
  }
}

function refusal(code: ErrorCode, message: string): StoreProtocolResponse {
  return { type: 'error', code, message: message.slice(0, 256) }
}

/** Checks a receipt's signature against the holder's key in its peer id. */
export async function verifyReceipt(r: Receipt): Promise<void> {
  const holder = peerIdFromBytes(r.holder)
  const ok = await publicKeyOf(holder).verify(receiptSigningBytes(r), r.signature)
  if (!ok) throw new InvalidReceiptError('receipt signature does not verify')
}

/** The components libp2p itself provides to a service. */
export type Libp2pStoreComponents = Pick<
  CofferStoreComponents,
  'registrar' | 'connectionManager' | 'peerId' | 'privateKey' | 'logger'
>
/** The components Coffer adds: where blocks go, the ledger, the pledge. */
export type CofferStoreParts = Pick<CofferStoreComponents, 'blockstore' | 'holdings' | 'pledge'>

/**
 * libp2p service factory: `services: { store: cofferStore({ blockstore, holdings, pledge }) }`.
 * libp2p supplies its own components; the Coffer parts are bound here.
 */
export function cofferStore(
  parts: CofferStoreParts,
  init: CofferStoreInit = {},
): (components: Libp2pStoreComponents) => CofferStore {
  return (c) =>
    new CofferStore(
      {
        registrar: c.registrar,
        connectionManager: c.connectionManager,
        peerId: c.peerId,
        privateKey: c.privateKey,
        logger: c.logger,
        ...parts,
      },
      init,
    )
}
