import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { encodeFrame, FrameReader } from '../../core/protocol/index.ts'
import { NoDirectConnectionError } from './errors.ts'

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

/** Sends one framed message, waiting for the stream to drain under back-pressure. */
export async function writeMessage(
  stream: Stream,
  body: Uint8Array,
  signal: AbortSignal,
): Promise<void> {
  const framed = encodeFrame(body)
  // Chunks keep one send from parking megabytes in the write buffer at once.
  const CHUNK = 64 * 1024
  for (let i = 0; i < framed.length; i += CHUNK) {
    signal.throwIfAborted()
    if (!stream.send(framed.subarray(i, i + CHUNK))) await stream.onDrain({ signal })
  }
}

/** Reads exactly one framed message of at most `maxBytes`, then stops listening. */
export async function readMessage(
  stream: Stream,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  signal.throwIfAborted()
  const reader = new FrameReader(maxBytes)
  const abort = (): void =>
    stream.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
  signal.addEventListener('abort', abort, { once: true })
  try {
    for await (const chunk of stream) {
      const parts = chunk instanceof Uint8Array ? [chunk] : [...chunk]
      for (const part of parts) {
        const message = reader.push(part)
        if (message !== undefined) return message
      }
    }
    signal.throwIfAborted()
    reader.end()
    throw new Error('unreachable')
  } finally {
    signal.removeEventListener('abort', abort)
  }
}
