import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import {
  decodeExpected,
  deleteSigningBytes,
  encodeMessageParts,
  MESSAGE_OVERHEAD_BYTES,
  type BuildRequest,
  type Receipt,
  type StoreProtocolResponse,
  type StoreRequest,
} from '../../core/protocol/index.ts'
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
import { serveExchanges } from '../exchange/serve-exchanges.ts'
import { StreamPool } from '../exchange/stream-pool.ts'
import { answerDelete } from './holder/answer-delete.ts'
import { answerStore } from './holder/answer-store.ts'
import { ShardBuilds } from './holder/answer-build.ts'
import { BlockKeeper } from './holder/block-keeper.ts'
import { refusal } from './holder/refusal.ts'
import { checkReceipt } from './receipt-check.ts'
import type {
  BuildPlan,
  CofferStoreComponents,
  CofferStoreInit,
  CofferStoreParts,
  DeleteResult,
  Libp2pStoreComponents,
  StoreOptions,
  StoreRequestType,
} from './store-types.ts'

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
  readonly #keeper: BlockKeeper
  readonly #builds: ShardBuilds
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
    this.#keeper = new BlockKeeper(components, this.#log)
    this.#builds = new ShardBuilds(components, this.#keeper, {
      maxBlockBytes: this.#maxBlockBytes,
      maxConcurrentBuilds: init.maxConcurrentBuilds ?? BUILD_MAX_CONCURRENT,
    })
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

  // ---------------- holder side (the verbs: holder/) ----------------

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
          return this.#observe(
            'store',
            await answerStore(request, remote, this.#keeper, this.#maxBlockBytes),
          )
        case 'build':
          return this.#observe('build', await this.#builds.answer(request, remote, signal))
        case 'delete':
          return this.#observe(
            'delete',
            await answerDelete(request, remote, this.#c, {
              maxClockSkew: this.#maxSkew,
              log: this.#log,
            }),
          )
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
