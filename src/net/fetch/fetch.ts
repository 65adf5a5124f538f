import type {
  ComponentLogger,
  Connection,
  Logger,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import {
  decodeExpected,
  encodeMessageParts,
  MAX_BLOCK_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MESSAGE_OVERHEAD_BYTES,
  type FetchProtocolResponse,
} from '../../core/protocol/index.ts'
import { matchesCid, readBlock } from '../exchange/block-io.ts'
import { serveExchanges } from '../exchange/serve-exchanges.ts'
import type { ExchangeInit } from '../exchange/exchange-init.ts'
import type { ConnectionSource } from '../exchange/stream-io.ts'
import { StreamPool } from '../exchange/stream-pool.ts'
import {
  FETCH_MAX_INBOUND_STREAMS,
  FETCH_MAX_OUTBOUND_STREAMS,
  FETCH_MAX_STREAMS_PER_PEER,
  FETCH_POOL_IDLE_TIMEOUT_MS,
  FETCH_PROTOCOL,
  FETCH_STREAM_IDLE_TIMEOUT_MS,
  FETCH_TIMEOUT_MS,
} from './constants.ts'
import { CorruptBlockError } from '../exchange/errors.ts'
import { BlockNotFoundError, FetchFailedError } from './errors.ts'
import type { MembershipCheck } from '../member/proven-members.ts'
import { GuestPace } from '../member/guest-pace.ts'

export type CofferFetchInit = ExchangeInit

export interface CofferFetchComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: ConnectionSource
  logger: ComponentLogger
  blockstore: Pick<Blockstore, 'get' | 'has'>
  /** Free pledged space to tell uploaders; a peer without one reports 0 (takes no shards). */
  space?: { freeBytes(): number | Promise<number> }
  /**
   * Who proved co-op membership. With it, `space` is answered to members only (it is part of
   * storing) and guests' fetch and has requests are paced; without it every peer is served.
   */
  members?: MembershipCheck
}

/** Requests carry at most 1024 CIDs; 64 KiB holds them with room to spare. */
const MAX_REQUEST_BYTES = 64 * 1024

/**
 * `/coffer/fetch/1.0.0`: serves blocks this peer has, and says which of a list of CIDs it has.
 * Serving checks nothing about the requester: shards are ciphertext and the manifest's layout is
 * public by design; the requester verifies every byte against the CID. A stream carries one
 * exchange at a time and may carry many in turn (see docs/STORAGE.md).
 */
export class CofferFetch {
  readonly protocol = FETCH_PROTOCOL
  readonly #c: CofferFetchComponents
  readonly #log: Logger
  readonly #timeout: number
  readonly #maxInbound: number
  readonly #maxOutbound: number
  readonly #idleTimeout: number
  readonly #pool: StreamPool
  readonly #guests = new GuestPace()
  #started = false

  constructor(components: CofferFetchComponents, init: CofferFetchInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('coffer:net:fetch')
    this.#timeout = init.timeout ?? FETCH_TIMEOUT_MS
    this.#maxInbound = init.maxInboundStreams ?? FETCH_MAX_INBOUND_STREAMS
    this.#maxOutbound = init.maxOutboundStreams ?? FETCH_MAX_OUTBOUND_STREAMS
    this.#idleTimeout = init.idleTimeout ?? FETCH_STREAM_IDLE_TIMEOUT_MS
    this.#pool = new StreamPool({
      protocol: this.protocol,
      connections: components.connectionManager,
      log: this.#log,
      maxStreamsPerPeer: Math.min(
        init.maxStreamsPerPeer ?? FETCH_MAX_STREAMS_PER_PEER,
        this.#maxOutbound,
      ),
      timeout: this.#timeout,
      idleTimeout: init.poolIdleTimeout ?? FETCH_POOL_IDLE_TIMEOUT_MS,
      maxResponseBytes: MAX_BLOCK_BYTES + MESSAGE_OVERHEAD_BYTES,
    })
  }

  readonly [Symbol.toStringTag] = 'coffer:fetch'

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

  #handle = (stream: Stream, connection: Connection): void => {
    if (connection.limits != null) {
      stream.abort(new Error('coffer fetch refuses limited connections'))
      return
    }
    void serveExchanges(stream, connection.remotePeer, {
      maxRequestBytes: MAX_REQUEST_BYTES,
      timeout: this.#timeout,
      idleTimeout: this.#idleTimeout,
      log: this.#log,
      answer: async (body, signal) =>
        encodeMessageParts(await this.#answer(body, connection.remotePeer, signal)),
    })
  }

  async #answer(
    body: Uint8Array,
    remote: PeerId,
    signal: AbortSignal,
  ): Promise<FetchProtocolResponse> {
    const request = decodeExpected(body, ['fetch', 'has', 'space'])
    const members = this.#c.members
    if (members !== undefined && !(await members.isMember(remote, { signal }))) {
      if (request.type === 'space') {
        return { type: 'error', code: 'NOT_MEMBER', message: 'space is told to co-op members only' }
      }
      await this.#guests.wait(remote.toString(), signal)
    }
    if (request.type === 'fetch') {
      // One read, no `has` first: every IndexedDB transaction costs both processes CPU.
      const block = await readBlock(this.#c.blockstore, request.cid, MAX_BLOCK_BYTES, signal).catch(
        (err: unknown) => {
          if ((err as Error | undefined)?.name === 'NotFoundError') return undefined
          throw err
        },
      )
      return block === undefined ? { type: 'not-found' } : { type: 'block', block }
    }
    if (request.type === 'space') {
      const free = Math.floor(Math.max(0, (await this.#c.space?.freeBytes()) ?? 0))
      return { type: 'space-info', free: Number.isSafeInteger(free) ? free : 0 }
    }
    // Asked all at once, IndexedDB answers a long list far sooner than one by one.
    const have = await Promise.all(
      request.cids.map(async (cid) => this.#c.blockstore.has(cid, { signal })),
    )
    return { type: 'have', have }
  }

  /**
   * Fetches one block from `peer` and returns it only if its bytes match `cid`: a view of the
   * answer's own buffer (which holds nothing else the caller needs), not a copy.
   */
  async fetchShard(
    peer: PeerId,
    cid: CID,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const response = await this.#exchange(
      peer,
      encodeMessageParts({ type: 'fetch', cid }),
      MAX_BLOCK_BYTES + MESSAGE_OVERHEAD_BYTES,
      options.signal,
    )
    if (response.type === 'not-found')
      throw new BlockNotFoundError(`${peer.toString()} does not have ${cid.toString()}`)
    if (response.type !== 'block') throw new FetchFailedError(`unexpected ${response.type}`)
    if (!(await matchesCid(cid, response.block))) {
      throw new CorruptBlockError(
        `${peer.toString()} sent bytes that do not match ${cid.toString()}`,
      )
    }
    return response.block
  }

  /** The free pledged space `peer` reports: the weight placement gives it. */
  async freeSpace(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<number> {
    const response = await this.#exchange(
      peer,
      encodeMessageParts({ type: 'space' }),
      MAX_REQUEST_BYTES,
      options.signal,
    )
    if (response.type !== 'space-info')
      throw new FetchFailedError(`unexpected ${response.type} to a space request`)
    return response.free
  }

  /** Which of `cids` `peer` holds, in the same order. */
  async whoHas(
    peer: PeerId,
    cids: CID[],
    options: { signal?: AbortSignal } = {},
  ): Promise<boolean[]> {
    const out: boolean[] = []
    for (let i = 0; i < cids.length; i += MAX_CIDS_PER_MESSAGE) {
      const batch = cids.slice(i, i + MAX_CIDS_PER_MESSAGE)
      const response = await this.#exchange(
        peer,
        encodeMessageParts({ type: 'has', cids: batch }),
        MAX_REQUEST_BYTES,
        options.signal,
      )
      if (response.type !== 'have' || response.have.length !== batch.length) {
        throw new FetchFailedError(`unexpected ${response.type} to a has request`)
      }
      out.push(...response.have)
    }
    return out
  }

  async #exchange(
    peer: PeerId,
    body: Uint8Array[],
    maxResponseBytes: number,
    signal?: AbortSignal,
  ): Promise<Exclude<FetchProtocolResponse, { type: 'error' }>> {
    const response = await this.#pool.exchange(peer, body, {
      maxResponseBytes,
      expected: ['block', 'not-found', 'have', 'space-info', 'error'],
      signal,
    })
    if (response.type === 'error')
      throw new FetchFailedError(`${response.code}: ${response.message}`)
    return response
  }
}

export type Libp2pFetchComponents = Pick<
  CofferFetchComponents,
  'registrar' | 'connectionManager' | 'logger'
>

/** libp2p service factory: `services: { fetch: cofferFetch({ blockstore, space }) }`. */
export function cofferFetch(
  parts: Pick<CofferFetchComponents, 'blockstore' | 'space' | 'members'>,
  init: CofferFetchInit = {},
): (components: Libp2pFetchComponents) => CofferFetch {
  return (c) =>
    new CofferFetch(
      {
        registrar: c.registrar,
        connectionManager: c.connectionManager,
        logger: c.logger,
        ...parts,
      },
      init,
    )
}
