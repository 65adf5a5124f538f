import type { Connection, PeerId, Stream } from '@libp2p/interface'
import {
  encodeLengthPrefix,
  MAX_VARINT_BYTES,
  TruncatedMessageError,
} from '../../core/protocol/index.ts'
import { concat } from '../../core/bytes.ts'
import { SEND_CHUNK_BYTES } from './constants.ts'
import { NoDirectConnectionError, StreamFailedError } from './errors.ts'
import { MessageReader } from './message-reader.ts'

/** The part of libp2p's connection manager the clients use. */
export interface ConnectionSource {
  getConnections(peerId?: PeerId): Connection[]
}

/**
 * An open connection to `peer` without limits. Relayed (limited) connections are refused here,
 * on the dialling side, as the handlers refuse them on the other.
 */
export function directConnection(connections: ConnectionSource, peer: PeerId): Connection {
  const conn = connections.getConnections(peer).find((c) => c.status === 'open' && c.limits == null)
  if (conn === undefined)
    throw new NoDirectConnectionError(`no direct connection to ${peer.toString()}`)
  return conn
}

/** A signal that fires on the caller's abort or after `ms`, whichever is first. */
export function withTimeout(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}

/**
 * Sends one framed message given in parts (as `encodeMessageParts` makes them), waiting for
 * the stream to drain under back-pressure. The parts are sent as they are, never joined.
 */
export async function writeMessage(
  stream: Stream,
  parts: readonly Uint8Array[],
  signal: AbortSignal,
): Promise<void> {
  let length = 0
  for (const p of parts) length += p.length
  const prefix = encodeLengthPrefix(length)
  for (const [n, part] of parts.entries()) {
    // The short prefix travels with the first part rather than as a message of its own.
    const bytes = n === 0 ? concat([prefix, part]) : part
    for (let i = 0; i < bytes.length; i += SEND_CHUNK_BYTES) {
      signal.throwIfAborted()
      if (!stream.send(bytes.subarray(i, i + SEND_CHUNK_BYTES))) await stream.onDrain({ signal })
    }
  }
}

/**
 * Reads one framed message of at most `maxBytes` and stops listening; for a peer that sends a
 * single message. A stream that carries several uses one `MessageReader` throughout.
 */
export async function readMessage(
  stream: Stream,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const reader = new MessageReader(stream, maxBytes + MAX_VARINT_BYTES)
  try {
    const message = await reader.next(maxBytes, signal)
    if (message === undefined) throw new TruncatedMessageError('stream ended before a message')
    return message
  } finally {
    reader.detach()
  }
}

/**
 * `err` as an `Error`. Streams can reject with other values, such as the DOM `Event` of a WebRTC
 * data channel that closed before it opened; those become a `StreamFailedError` naming them.
 */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err
  return new StreamFailedError(`stream failed with ${describe(err)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'type' in value) {
    const kind = value.constructor?.name ?? 'object'
    const cause = 'error' in value && value.error instanceof Error ? `: ${value.error.message}` : ''
    return `${kind} '${String(value.type)}'${cause}`
  }
  return typeof value === 'string' ? `'${value}'` : String(value)
}
