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
  encodeMessage,
  MAX_BLOCK_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MESSAGE_OVERHEAD_BYTES,
  MessageTooLargeError,
  WireError,
  type FetchProtocolResponse,
} from '../../core/protocol/index.ts'
import { matchesCid, readBlock } from '../store/block-io.ts'
import {
  directConnection,
  readMessage,
  withTimeout,
  writeMessage,
  type ConnectionSource,
} from '../store/stream-io.ts'
import {
  FETCH_MAX_INBOUND_STREAMS,
  FETCH_MAX_OUTBOUND_STREAMS,
  FETCH_PROTOCOL,
  FETCH_TIMEOUT_MS,
} from './constants.ts'
import { BlockNotFoundError, CorruptBlockError, FetchFailedError } from './errors.ts'

export interface CofferFetchInit {
  timeout?: number
  maxInboundStreams?: number
  maxOutboundStreams?: number
}

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
}

/** Requests carry at most 1024 CIDs; 64 KiB holds them with room to spare. */
const MAX_REQUEST_BYTES = 64 * 1024

/**
 * `/coffer/fetch/1.0.0`: serves blocks this peer has, and says which of a list of CIDs it has.
 * Serving checks nothing about the requester: shards are ciphertext and the manifest's layout is
 * public by design; the requester verifies every byte against the CID.
 */
export class CofferFetch {
  readonly protocol = FETCH_PROTOCOL
  readonly #c: CofferFetchComponents
  readonly #log: Logger
  readonly #timeout: number
  readonly #maxInbound: number
  readonly #maxOutbound: number
  #started = false

  constructor(components: CofferFetchComponents, init: CofferFetchInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('coffer:net:fetch')
    this.#timeout = init.timeout ?? FETCH_TIMEOUT_MS
    this.#maxInbound = init.maxInboundStreams ?? FETCH_MAX_INBOUND_STREAMS
    this.#maxOutbound = init.maxOutboundStreams ?? FETCH_MAX_OUTBOUND_STREAMS
  }

  readonly [Symbol.toStringTag] = 'coffer:fetch'

  async start(): Promise<void> {
    await this.#c.registrar.handle(this.protocol, this.#handle, {
      maxInboundStreams: this.#maxInbound,
      maxOutboundStreams: this.#maxOutbound,
      runOnLimitedConnection: false,
    })
    this.#started = true
  }

  async stop(): Promise<void> {
    await this.#c.registrar.unhandle(this.protocol)
    this.#started = false
  }

  isStarted(): boolean {
    return this.#started
  }

  #handle = (stream: Stream, connection: Connection): void => {
    void this.#serve(stream, connection)
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.#timeout)
    try {
      if (connection.limits != null) {
        stream.abort(new Error('coffer fetch refuses limited connections'))
        return
      }
      let response: FetchProtocolResponse
      try {
        const request = decodeExpected(await readMessage(stream, MAX_REQUEST_BYTES, signal), [
          'fetch',
          'has',
          'space',
        ])
        if (request.type === 'fetch') {
          const block = (await this.#c.blockstore.has(request.cid, { signal }))
            ? await readBlock(this.#c.blockstore, request.cid, MAX_BLOCK_BYTES, signal)
            : undefined
          response = block === undefined ? { type: 'not-found' } : { type: 'block', block }
        } else if (request.type === 'space') {
          const free = Math.floor(Math.max(0, (await this.#c.space?.freeBytes()) ?? 0))
          response = { type: 'space-info', free: Number.isSafeInteger(free) ? free : 0 }
        } else {
          const have: boolean[] = []
          for (const cid of request.cids) have.push(await this.#c.blockstore.has(cid, { signal }))
          response = { type: 'have', have }
        }
      } catch (err) {
        if (!(err instanceof WireError)) throw err
        response = {
          type: 'error',
          code: err instanceof MessageTooLargeError ? 'TOO_LARGE' : 'BAD_REQUEST',
          message: err.message.slice(0, 256),
        }
      }
      await writeMessage(stream, encodeMessage(response), signal)
      await stream.close({ signal })
    } catch (err) {
      this.#log.error('fetch exchange with %p failed - %e', connection.remotePeer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** Fetches one block from `peer` and returns it only if its bytes match `cid`. */
  async fetchShard(
    peer: PeerId,
    cid: CID,
    options: { signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const response = await this.#exchange(
      peer,
      encodeMessage({ type: 'fetch', cid }),
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
      encodeMessage({ type: 'space' }),
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
        encodeMessage({ type: 'has', cids: batch }),
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
    body: Uint8Array,
    maxResponse: number,
    callerSignal?: AbortSignal,
  ): Promise<FetchProtocolResponse> {
    const signal = withTimeout(this.#timeout, callerSignal)
    const connection = directConnection(this.#c.connectionManager, peer)
    const stream = await connection.newStream(this.protocol, {
      signal,
      runOnLimitedConnection: false,
    })
    try {
      await writeMessage(stream, body, signal)
      await stream.close({ signal })
      const response = decodeExpected(await readMessage(stream, maxResponse, signal), [
        'block',
        'not-found',
        'have',
        'space-info',
        'error',
      ])
      if (response.type === 'error')
        throw new FetchFailedError(`${response.code}: ${response.message}`)
      return response
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
}

export type Libp2pFetchComponents = Pick<
  CofferFetchComponents,
  'registrar' | 'connectionManager' | 'logger'
>

/** libp2p service factory: `services: { fetch: cofferFetch({ blockstore, space }) }`. */
export function cofferFetch(
  parts: Pick<CofferFetchComponents, 'blockstore' | 'space'>,
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
