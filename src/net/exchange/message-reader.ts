import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { FrameReader, TruncatedMessageError } from '../../core/protocol/index.ts'
import { StreamFailedError, StreamOverflowError } from './errors.ts'

/**
 * Reads length-prefixed messages one after another from one stream, keeping bytes that arrive
 * ahead of the current message for the next one.
 *
 * It listens to the stream's events rather than `for await (const chunk of stream)`: leaving
 * that loop after a message removes its listeners and drops chunks already queued in it, and a
 * new loop never sees a remote close that happened before it started, so it can wait forever.
 * 'end' (with `readableEnded` for an end that came first) marks a clean end of input.
 *
 * One read at a time. After `next` throws, the reader is spent: the caller closes the stream.
 */
export class MessageReader {
  readonly #stream: Stream
  readonly #maxBuffered: number
  readonly #chunks: Uint8Array[] = []
  #buffered = 0
  #ended = false
  #failure: Error | undefined
  #wake: (() => void) | undefined
  #attached = false

  /**
   * `maxBuffered` bounds bytes received and not yet read. A peer that waits for each answer
   * never has more than one message in flight, so the largest message is a fitting bound.
   */
  constructor(stream: Stream, maxBuffered: number) {
    this.#stream = stream
    this.#maxBuffered = maxBuffered
    if (stream.status === 'aborted' || stream.status === 'reset') {
      this.#failure = new StreamFailedError(`stream is ${stream.status}`)
      return
    }
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    this.#attached = true
    if (stream.readableEnded && stream.readBufferLength === 0) this.#ended = true
  }

  /**
   * Waits until bytes of a next message are here (true) or the input ended cleanly (false).
   * Consumes nothing, so a caller may give up on `signal` and call again without losing bytes.
   */
  async ready(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.#chunks.length > 0) return true
      if (this.#failure !== undefined) throw this.#failure
      if (this.#ended) return false
      await this.#arrival(signal)
    }
  }

  /**
   * The next message of at most `maxBytes`, or undefined if the input ended cleanly before it.
   * Throws the protocol's wire errors on a bad prefix, an oversized or a truncated message; it
   * stops listening to the stream first, as nothing after a framing error can be trusted.
   */
  async next(maxBytes: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
    if (!(await this.ready(signal))) return undefined
    const frame = new FrameReader(maxBytes)
    const prefix: number[] = []
    /** Body bytes still to come; negative while the prefix is incomplete. */
    let remaining = -1
    try {
      for (;;) {
        const chunk = this.#chunks.shift()
        if (chunk === undefined) {
          if (this.#failure !== undefined) throw this.#failure
          if (this.#ended) throw new TruncatedMessageError('stream ended inside a message')
          await this.#arrival(signal)
          continue
        }
        let take: number
        if (remaining < 0) {
          // The prefix goes in byte by byte so the frame reader never sees the next message.
          take = 1
          const b = chunk[0]!
          prefix.push(b)
          if ((b & 0x80) === 0) remaining = varintValue(prefix)
        } else {
          take = Math.min(remaining, chunk.length)
          remaining -= take
        }
        if (take < chunk.length) this.#chunks.unshift(chunk.subarray(take))
        this.#buffered -= take
        const message = frame.push(chunk.subarray(0, take))
        if (message !== undefined) return message
      }
    } catch (err) {
      this.detach()
      throw err
    }
  }

  /** Stops listening; later bytes stay in the stream's own (bounded) buffer. */
  detach(): void {
    if (!this.#attached) return
    this.#attached = false
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('end', this.#onEnd)
    this.#stream.removeEventListener('close', this.#onClose)
  }

  #onMessage = (evt: StreamMessageEvent): void => {
    const parts = evt.data instanceof Uint8Array ? [evt.data] : [...evt.data]
    for (const part of parts) {
      if (part.length === 0) continue
      this.#chunks.push(part)
      this.#buffered += part.length
    }
    if (this.#buffered > this.#maxBuffered) {
      const err = new StreamOverflowError(
        `${this.#buffered} unread bytes exceed ${this.#maxBuffered}`,
      )
      this.#failure = err
      this.#chunks.length = 0
      this.#buffered = 0
      this.detach()
      this.#stream.abort(err)
    }
    this.#wake?.()
  }

  #onEnd = (): void => {
    this.#ended = true
    this.#wake?.()
  }

  #onClose = (evt: StreamCloseEvent): void => {
    if (evt.error !== undefined) this.#failure ??= evt.error
    else if (this.#stream.readBufferLength === 0) this.#ended = true
    this.#wake?.()
  }

  async #arrival(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    let onAbort = (): void => {}
    try {
      await new Promise<void>((resolve, reject) => {
        this.#wake = resolve
        onAbort = () =>
          reject(
            signal.reason instanceof Error ? signal.reason : new StreamFailedError('read aborted'),
          )
        signal.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      this.#wake = undefined
      signal.removeEventListener('abort', onAbort)
    }
  }
}

/** Value of a complete LEB128 prefix; the frame reader has its own checks on it. */
function varintValue(prefix: number[]): number {
  let value = 0
  for (let i = prefix.length - 1; i >= 0; i--) value = value * 128 + (prefix[i]! & 0x7f)
  return value
}
