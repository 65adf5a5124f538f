import type { Logger, PeerId, Stream } from '@libp2p/interface'
import {
  encodeMessageParts,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_VARINT_BYTES,
  MessageTooLargeError,
  WireError,
} from '../../core/protocol/index.ts'
import { MessageReader } from './message-reader.ts'
import { toError, writeMessage } from './stream-io.ts'

export interface ServeExchangesOptions {
  /** Largest request accepted, per message. */
  maxRequestBytes: number
  /** Limit on one exchange, from the first byte of its request to the last of its answer. */
  timeout: number
  /** How long the stream may wait for a next request before the holder closes it. */
  idleTimeout: number
  log: Logger
  /**
   * Answers one request with an encoded response, in parts (`encodeMessageParts`). A
   * `WireError` it throws is answered with BAD_REQUEST (TOO_LARGE for a size error) and ends
   * the stream; any other error aborts it.
   */
  answer(body: Uint8Array, signal: AbortSignal): Promise<Uint8Array[]>
}

/**
 * Holder side of a stream: answers requests one after another until the client closes its
 * write side, a request is malformed, or the stream stays idle for `idleTimeout`.
 */
export async function serveExchanges(
  stream: Stream,
  remote: PeerId,
  options: ServeExchangesOptions,
): Promise<void> {
  const { log } = options
  const reader = new MessageReader(stream, options.maxRequestBytes + MAX_VARINT_BYTES)
  try {
    for (;;) {
      const idle = AbortSignal.timeout(options.idleTimeout)
      let more: boolean
      try {
        more = await reader.ready(idle)
      } catch (err) {
        if (!idle.aborted) throw err
        log(
          'closing %s stream from %p after %d ms idle',
          stream.protocol,
          remote,
          options.idleTimeout,
        )
        more = false
      }
      if (!more) break

      const signal = AbortSignal.timeout(options.timeout)
      let response: Uint8Array[]
      let last = false
      try {
        const body = await reader.next(options.maxRequestBytes, signal)
        if (body === undefined) break
        response = await options.answer(body, signal)
      } catch (err) {
        // A broken stream cannot carry an answer; a bad message gets one, and is the last.
        if (!(err instanceof WireError)) throw err
        response = encodeMessageParts({
          type: 'error',
          code: err instanceof MessageTooLargeError ? 'TOO_LARGE' : 'BAD_REQUEST',
          message: err.message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
        })
        last = true
      }
      await writeMessage(stream, response, signal)
      if (last) break
    }
    reader.detach()
    await stream.close({ signal: AbortSignal.timeout(options.timeout) })
  } catch (err) {
    reader.detach()
    log.error('%s exchange with %p failed - %e', stream.protocol, remote, err)
    stream.abort(toError(err))
  }
}
