import { AbortError, InvalidParametersError } from './errors.ts'

export interface Segment {
  index: number
  bytes: Uint8Array
  /** True for the last segment; a 0-byte input still yields one empty final segment. */
  final: boolean
}

export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason
  return reason instanceof AbortError ? reason : new AbortError('the operation was aborted')
}

/**
 * Cuts a byte stream into segments of exactly `segmentSize` bytes (the last one shorter). Holds
 * one segment back until the next byte or the end arrives, since `final` must be known before
 * a segment is encrypted. Memory: about two segments, whatever the stream's length.
 */
export async function* segmentStream(
  stream: ReadableStream<Uint8Array>,
  segmentSize: number,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<Segment, void, undefined> {
  const { signal } = options
  const reader = stream.getReader()
  let cur = new Uint8Array(segmentSize)
  let fill = 0
  let pending: Uint8Array | undefined
  let index = 0
  let finished = false
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal)
      const { done, value } = await reader.read()
      if (done) break
      if (!(value instanceof Uint8Array)) {
        throw new InvalidParametersError('the input stream must produce Uint8Array chunks')
      }
      let offset = 0
      while (offset < value.length) {
        if (pending) {
          yield { index: index++, bytes: pending, final: false }
          pending = undefined
        }
        const take = Math.min(segmentSize - fill, value.length - offset)
        cur.set(value.subarray(offset, offset + take), fill)
        fill += take
        offset += take
        if (fill === segmentSize) {
          pending = cur
          cur = new Uint8Array(segmentSize)
          fill = 0
        }
      }
    }
    finished = true
    yield { index, bytes: pending ?? cur.slice(0, fill), final: true }
  } finally {
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
