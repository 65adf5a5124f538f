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
  type BuildRequest,
  type BuildSource,
  type DeleteRequest,
  type ErrorCode,
  type Receipt,
  type StoreProtocolResponse,
  type StoreRequest,
} from '../../core/protocol/index.ts'
import type { StripeCodec } from '../../core/stripe.ts'
import type { HoldingLedger } from '../../storage/holding-ledger.ts'
import {
  BUILD_MAX_CONCURRENT,
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
import { matchesCid, readBlock } from '../exchange/block-io.ts'
import { peerIdFromBytes, publicKeyOf, sameBytes } from './keys.ts'
import { serveExchanges } from '../exchange/serve-exchanges.ts'
import type { ConnectionSource } from '../exchange/stream-io.ts'
import { StreamPool } from '../exchange/stream-pool.ts'
import type { MembershipCheck } from '../member/proven-members.ts'

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
  /** Holder side: shard builds running at once (each reads k shards from other peers). */
  maxConcurrentBuilds?: number
}

/** What a holder needs to build a shard from others: read them, and run the erasure code. */
export interface ShardBuilder {
  /** Reads a block from `peer`, checked against its CID. */
  fetch(peer: PeerId, cid: CID, options: { signal?: AbortSignal }): Promise<Uint8Array>
  rebuild: StripeCodec['rebuildShards']
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
  /** Without it the holder refuses `build` requests, and owners store those shards instead. */
  builder?: ShardBuilder
  /** Told how each request this holder answered ended (a keeper counts them for /metrics). */
  observe?: (request: StoreRequestType, outcome: string) => void
  /** Who proved co-op membership; without it every peer is served (tests, single co-op nodes). */
  members?: MembershipCheck
}

/** The requests a holder answers on the store protocol. */
export type StoreRequestType = 'store' | 'build' | 'delete'

export interface StoreOptions {
  signal?: AbortSignal
  /** Manifest CID of the file the shard belongs to, told to the holder. */
  file?: CID
}

/** A shard a holder is to compute from k others: the request less what the service adds. */
export type BuildPlan = Omit<BuildRequest, 'type' | 'owner' | 'file'>

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
  readonly #maxBuilds: number
  #builds = 0
  /**
   * Sources being read, by CID: a holder often builds two shards of one stripe at once, and
   * both need the same k sources.
   */
  readonly #reading = new Map<string, Promise<Uint8Array | undefined>>()
  readonly #buildQueue: Array<() => void> = []
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
    this.#maxBuilds = init.maxConcurrentBuilds ?? BUILD_MAX_CONCURRENT
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
      answer: async (body, signal) => encodeMessageParts(await this.#answer(body, remote, signal)),
    })
  }

  #observe(request: StoreRequestType, response: StoreProtocolResponse): StoreProtocolResponse {
    this.#c.observe?.(request, response.type === 'error' ? response.code : 'ok')
    return response
  }

  async #answer(
    body: Uint8Array,
    remote: PeerId,
    signal: AbortSignal,
  ): Promise<StoreProtocolResponse> {
    const request = decodeExpected(body, ['store', 'build', 'delete'])
    if (this.#c.members !== undefined && !(await this.#c.members.isMember(remote, { signal }))) {
      return this.#observe(
        request.type,
        refusal('NOT_MEMBER', 'this holder serves co-op members only'),
      )
    }
    try {
      switch (request.type) {
        case 'store':
          return this.#observe('store', await this.#store(request, remote))
        case 'build':
          return this.#observe('build', await this.#build(request, remote, signal))
        case 'delete':
          return this.#observe('delete', await this.#delete(request, remote))
      }
    } catch (err) {
      this.#log.error('%s from %p failed - %e', request.type, remote, err)
      return this.#observe(
        request.type,
        err instanceof UnverifiablePeerError
          ? refusal('BAD_SIGNATURE', err.message)
          : refusal('INTERNAL', 'the holder could not complete the request'),
      )
    }
  }

  async #store(req: StoreRequest, remote: PeerId): Promise<StoreProtocolResponse> {
    if (!sameBytes(req.owner, remote.toMultihash().bytes)) {
      return refusal('NOT_OWNER', 'owner must be the peer that sends the request')
    }
    const size = req.block.length
    if (size > this.#maxBlockBytes)
      return refusal('TOO_LARGE', `block of ${size} bytes exceeds ${this.#maxBlockBytes}`)
    if (!(await matchesCid(req.cid, req.block)))
      return refusal('CID_MISMATCH', 'block bytes do not match the CID')

    // The block is a view of the request's buffer, and IndexedDB would keep all of it.
    return this.#keep(req.cid, size, remote, () => Promise.resolve(req.block.slice()))
  }

  /**
   * Keeps a block for `remote`: a block already here only gains this owner; otherwise the
   * pledge is checked (before `produce` runs) and the space reserved while `produce` makes the
   * bytes, or a refusal. Answers with a signed receipt.
   */
  async #keep(
    cid: CID,
    size: number,
    remote: PeerId,
    produce: () => Promise<Uint8Array | StoreProtocolResponse>,
  ): Promise<StoreProtocolResponse> {
    const owner = remote.toString()
    const key = cid.toString()
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
        const bytes = await produce()
        if (!(bytes instanceof Uint8Array)) return bytes
        await this.#c.blockstore.put(cid, bytes)
        await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
      } finally {
        this.#reserved -= size
      }
    } else if (!existing.owners.includes(owner)) {
      // Already here for someone else: this owner pins it too, at no extra space.
      await this.#c.holdings.add({ cid: key, owner, size, storedAt: Date.now() })
    }
    this.#log('holding %s (%d bytes) for %p', key, size, remote)
    return this.#receipt(cid, size)
  }

  async #receipt(cid: CID, size: number): Promise<StoreProtocolResponse> {
    const unsigned = { cid, size, holder: this.#c.peerId.toMultihash().bytes, time: Date.now() }
    const signature = await this.#c.privateKey.sign(receiptSigningBytes(unsigned))
    return { type: 'store-ok', receipt: { ...unsigned, signature } }
  }

  /**
   * Computes the shard from the k sources named (read from this store when kept here, else
   * from their holders, each checked against its CID), keeps it only if it hashes to the
   * requested CID, and answers with a receipt as for a store.
   */
  async #build(
    req: BuildRequest,
    remote: PeerId,
    signal: AbortSignal,
  ): Promise<StoreProtocolResponse> {
    if (!sameBytes(req.owner, remote.toMultihash().bytes)) {
      return refusal('NOT_OWNER', 'owner must be the peer that sends the request')
    }
    const builder = this.#c.builder
    if (builder === undefined) return refusal('BAD_REQUEST', 'this holder does not build shards')
    const { size } = req
    if (size > this.#maxBlockBytes)
      return refusal('TOO_LARGE', `block of ${size} bytes exceeds ${this.#maxBlockBytes}`)

    return this.#keep(req.cid, size, remote, async () => {
      const built = await this.#limitBuilds(() => this.#compute(req, builder, signal))
      if (typeof built === 'string') return refusal('SOURCE_FAILED', built)
      if (!(await matchesCid(req.cid, built)))
        return refusal('CID_MISMATCH', 'the shard built from the sources does not match the CID')
      return built
    })
  }

  /** The built shard, or why a source could not be read. */
  async #compute(
    req: BuildRequest,
    builder: ShardBuilder,
    signal: AbortSignal,
  ): Promise<Uint8Array | string> {
    const shards: Array<Uint8Array | undefined> = Array.from({ length: req.n }, () => undefined)
    const problems: string[] = []
    await Promise.all(
      req.sources.map(async (source) => {
        try {
          const bytes = await this.#readSource(source, req.size, builder, signal)
          if (bytes?.length !== req.size) {
            problems.push(`shard ${source.index} is not ${req.size} bytes`)
          } else {
            shards[source.index] = bytes
          }
        } catch (err) {
          signal.throwIfAborted()
          problems.push(`shard ${source.index}: ${(err as Error).message ?? String(err)}`)
        }
      }),
    )
    if (problems.length > 0) return problems.join('; ')
    const [built] = await builder.rebuild(
      { k: req.k, n: req.n, shards, want: [req.index] },
      { signal },
    )
    return built!
  }

  /** A source block from this store if kept here, else from its holder; shared while in flight. */
  #readSource(
    source: BuildSource,
    size: number,
    builder: ShardBuilder,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined> {
    const key = source.cid.toString()
    let reading = this.#reading.get(key)
    if (reading === undefined) {
      const read = async (): Promise<Uint8Array | undefined> =>
        (await this.#c.blockstore.has(source.cid))
          ? readBlock(this.#c.blockstore, source.cid, size, signal)
          : builder.fetch(peerIdFromBytes(source.holder), source.cid, { signal })
      reading = read().finally(() => this.#reading.delete(key))
      this.#reading.set(key, reading)
    }
    return reading
  }

  /** Runs `work` once fewer than maxConcurrentBuilds builds are running. */
  async #limitBuilds<T>(work: () => Promise<T>): Promise<T> {
    while (this.#builds >= this.#maxBuilds) {
      await new Promise<void>((resolve) => this.#buildQueue.push(resolve))
    }
    this.#builds++
    try {
      return await work()
    } finally {
      this.#builds--
      this.#buildQueue.shift()?.()
    }
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
    await checkReceipt(response.receipt, peer, cid, bytes.length)
    return response.receipt
  }

  /**
   * Asks `peer` to compute a shard from k others kept elsewhere and keep it; resolves to its
   * verified, signed receipt, as `storeShard` does.
   */
  async buildShard(peer: PeerId, plan: BuildPlan, options: StoreOptions = {}): Promise<Receipt> {
    const request: BuildRequest = {
      type: 'build',
      ...plan,
      owner: this.#c.peerId.toMultihash().bytes,
    }
    if (options.file !== undefined) request.file = options.file
    const response = await this.#exchange(peer, encodeMessageParts(request), options.signal)
    if (response.type !== 'store-ok') throw new InvalidReceiptError(`unexpected ${response.type}`)
    await checkReceipt(response.receipt, peer, plan.cid, plan.size)
    return response.receipt
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

/** Checks that a receipt is the one asked for, and its signature. */
async function checkReceipt(r: Receipt, peer: PeerId, cid: CID, size: number): Promise<void> {
  if (!r.cid.equals(cid)) throw new InvalidReceiptError('receipt names another CID')
  if (r.size !== size) throw new InvalidReceiptError('receipt states another size')
  if (!sameBytes(r.holder, peer.toMultihash().bytes))
    throw new InvalidReceiptError('receipt names another holder')
  await verifyReceipt(r)
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
/** The components Coffer adds: where blocks go, the ledger, the pledge, how to build shards. */
export type CofferStoreParts = Pick<
  CofferStoreComponents,
  'blockstore' | 'holdings' | 'pledge' | 'builder' | 'observe' | 'members'
>

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
