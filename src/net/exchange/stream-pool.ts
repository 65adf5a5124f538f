import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import {
  decodeExpected,
  MAX_VARINT_BYTES,
  TruncatedMessageError,
  type Message,
} from '../../core/protocol/index.ts'
import { StreamPoolClosedError } from './errors.ts'
import { MessageReader } from './message-reader.ts'
import {
  directConnection,
  toError,
  withTimeout,
  writeMessage,
  type ConnectionSource,
} from './stream-io.ts'

export interface StreamPoolInit {
  protocol: string
  connections: ConnectionSource
  log: Logger
  /** Streams open to one peer at most, busy or idle; requests beyond wait their turn. */
  maxStreamsPerPeer: number
  /** Limit on one exchange: opening a stream if needed, the request out, the answer in. */
  timeout: number
  /** An unused stream is closed after this long; shorter than the holders' idle limit. */
  idleTimeout: number
  /** Largest answer the protocol has; bounds what a stream may buffer. */
  maxResponseBytes: number
}

export interface ExchangeOptions<T extends Message['type']> {
  /** Largest answer accepted for this request. */
  maxResponseBytes: number
  /** Message types this request may be answered with. */
  expected: readonly T[]
  signal?: AbortSignal
}

interface PooledStream {
  stream: Stream
  reader: MessageReader
  connection: Connection
  idleTimer?: ReturnType<typeof setTimeout>
}

/** Hands a waiting request a stream, or (undefined) a free place to open one. */
type Waiter = (pooled: PooledStream | undefined) => void

interface PeerStreams {
  idle: PooledStream[]
  /** Streams carrying an exchange or being opened. */
  busy: number
  waiters: Array<{ give: Waiter; fail(err: Error): void }>
}

/**
 * Client side of `/coffer/store` and `/coffer/fetch`: keeps a few streams per peer open and
 * runs one request/response exchange at a time on each, because opening a WebRTC stream costs
 * far more than sending a shard on one. A stream whose exchange failed is aborted, never reused.
 */
export class StreamPool {
  readonly #init: StreamPoolInit
  readonly #peers = new Map<string, PeerStreams>()
  #closed = false

  constructor(init: StreamPoolInit) {
    this.#init = init
  }

  /** Sends `body` to `peer` and returns its decoded answer, of one of the expected types. */
  async exchange<T extends Message['type']>(
    peer: PeerId,
    body: Uint8Array[],
    options: ExchangeOptions<T>,
  ): Promise<Extract<Message, { type: T }>> {
    options.signal?.throwIfAborted()
    // Fail at once, without queueing, when only a relayed connection exists.
    directConnection(this.#init.connections, peer)
    const key = peer.toString()
    const idle = await this.#acquire(key, options.signal)
    const signal = withTimeout(this.#init.timeout, options.signal)
    let pooled: PooledStream
    try {
      pooled = idle ?? (await this.#open(key, peer, signal))
    } catch (err) {
      this.#freePlace(key)
      throw toError(err)
    }
    try {
      await writeMessage(pooled.stream, body, signal)
      const bytes = await pooled.reader.next(options.maxResponseBytes, signal)
      if (bytes === undefined) throw new TruncatedMessageError('stream ended before an answer')
      const response = decodeExpected(bytes, options.expected)
      this.#release(key, pooled, !endsStream(response))
      return response
    } catch (err) {
      const error = toError(err)
      pooled.stream.abort(error)
      this.#freePlace(key)
      throw error
    }
  }

  /** Takes requests again after `close` (a service that is started again). */
  open(): void {
    this.#closed = false
  }

  /** Closes idle streams, fails waiting requests; busy streams close when their exchange ends. */
  close(): void {
    this.#closed = true
    for (const streams of this.#peers.values()) {
      for (const w of streams.waiters.splice(0))
        w.fail(new StreamPoolClosedError('the service stopped'))
      for (const pooled of streams.idle.splice(0)) this.#closeStream(pooled)
    }
    this.#peers.clear()
  }

  #streams(key: string): PeerStreams {
    let streams = this.#peers.get(key)
    if (streams === undefined) {
      streams = { idle: [], busy: 0, waiters: [] }
      this.#peers.set(key, streams)
    }
    return streams
  }

  /** An idle stream, or undefined when the caller may open one; waits (FIFO) at the cap. */
  async #acquire(key: string, signal?: AbortSignal): Promise<PooledStream | undefined> {
    if (this.#closed) throw new StreamPoolClosedError('the service stopped')
    const streams = this.#streams(key)
    for (let pooled = streams.idle.pop(); pooled !== undefined; pooled = streams.idle.pop()) {
      clearTimeout(pooled.idleTimer)
      if (usable(pooled)) {
        streams.busy++
        return pooled
      }
      this.#closeStream(pooled)
    }
    if (streams.busy < this.#init.maxStreamsPerPeer && streams.waiters.length === 0) {
      streams.busy++
      return undefined
    }
    return new Promise<PooledStream | undefined>((resolve, reject) => {
      const waiter = {
        give: (pooled: PooledStream | undefined) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(pooled)
        },
        fail: (err: Error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(err)
        },
      }
      const onAbort = (): void => {
        const i = streams.waiters.indexOf(waiter)
        if (i >= 0) streams.waiters.splice(i, 1)
        this.#tidy(key)
        reject(toError(signal?.reason))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      streams.waiters.push(waiter)
    })
  }

  async #open(key: string, peer: PeerId, signal: AbortSignal): Promise<PooledStream> {
    const connection = directConnection(this.#init.connections, peer)
    const stream = await connection.newStream(this.#init.protocol, {
      signal,
      runOnLimitedConnection: false,
    })
    const pooled: PooledStream = {
      stream,
      connection,
      reader: new MessageReader(stream, this.#init.maxResponseBytes + MAX_VARINT_BYTES),
    }
    // An idle stream the holder closed, or whose connection went, leaves the pool at once.
    const gone = (): void => this.#forget(key, pooled)
    stream.addEventListener('close', gone)
    stream.addEventListener('remoteCloseWrite', gone)
    return pooled
  }

  /** Back to the pool after a good exchange, or closed if it cannot carry another. */
  #release(key: string, pooled: PooledStream, reusable: boolean): void {
    if (!reusable || this.#closed || !usable(pooled)) {
      this.#closeStream(pooled)
      this.#freePlace(key)
      return
    }
    const streams = this.#streams(key)
    const next = streams.waiters.shift()
    if (next !== undefined) {
      next.give(pooled)
      return
    }
    streams.busy--
    pooled.idleTimer = setTimeout(() => this.#forget(key, pooled), this.#init.idleTimeout)
    streams.idle.push(pooled)
  }

  /** A busy stream is gone: its place goes to the first waiter, who opens a new one. */
  #freePlace(key: string): void {
    const streams = this.#peers.get(key)
    if (streams === undefined) return
    const next = streams.waiters.shift()
    if (next !== undefined) {
      next.give(undefined)
      return
    }
    streams.busy--
    this.#tidy(key)
  }

  /** Takes an idle stream out of the pool and closes it; a busy one is left to its exchange. */
  #forget(key: string, pooled: PooledStream): void {
    const streams = this.#peers.get(key)
    const i = streams?.idle.indexOf(pooled) ?? -1
    if (streams === undefined || i < 0) return
    streams.idle.splice(i, 1)
    clearTimeout(pooled.idleTimer)
    this.#closeStream(pooled)
    this.#tidy(key)
  }

  #tidy(key: string): void {
    const streams = this.#peers.get(key)
    if (
      streams !== undefined &&
      streams.busy === 0 &&
      streams.idle.length === 0 &&
      streams.waiters.length === 0
    )
      this.#peers.delete(key)
  }

  /** Closes our write side, which tells the holder this stream carries no more requests. */
  #closeStream(pooled: PooledStream): void {
    clearTimeout(pooled.idleTimer)
    pooled.reader.detach()
    const { stream } = pooled
    if (stream.status !== 'open') return
    stream.close({ signal: AbortSignal.timeout(this.#init.timeout) }).catch((err: unknown) => {
      this.#init.log('closing a %s stream failed - %e', this.#init.protocol, err)
      stream.abort(toError(err))
    })
  }
}

function usable({ stream, connection }: PooledStream): boolean {
  return (
    connection.status === 'open' &&
    stream.status === 'open' &&
    stream.writeStatus === 'writable' &&
    stream.remoteWriteStatus === 'writable'
  )
}

/** The holder closes a stream after answering a malformed or oversized request. */
function endsStream(response: Message): boolean {
  return (
    response.type === 'error' && (response.code === 'TOO_LARGE' || response.code === 'BAD_REQUEST')
  )
}
