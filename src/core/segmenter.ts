import { AbortError, InvalidParametersError } from './errors.ts'

export interface Segment {
  index: number
  bytes: Uint8Array
  /** True for the last segment; a 0-byte input still yields one empty final segment. */
  final: boolean
}

/**
 * Where segment buffers come from. `acquire` returns a buffer of exactly `segmentSize` bytes
 * that owns its whole ArrayBuffer; its contents are overwritten before use.
 */
export interface SegmentBuffers {
  acquire(): Uint8Array<ArrayBuffer>
}

export interface SegmentStreamOptions {
  signal?: AbortSignal
  /**
   * Lets the caller recycle buffers. By default every segment gets a new buffer that the
   * consumer owns; a caller that reuses buffers must not give one back while its segment is
   * still in use.
   */
  buffers?: SegmentBuffers
}

export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason
  return reason instanceof AbortError ? reason : new AbortError('the operation was aborted')
}

/**
 * A free list of segment buffers. Fresh memory is the expensive part of the pipeline (every
 * new ArrayBuffer is zeroed and faulted in page by page), so buffers are reused rather than
 * allocated per segment; at most `keep` idle buffers are retained.
 */
export class SegmentBufferPool implements SegmentBuffers {
  readonly #size: number
  readonly #keep: number
  readonly #free: Uint8Array<ArrayBuffer>[] = []

  constructor(segmentSize: number, keep = 8) {
    this.#size = segmentSize
    this.#keep = keep
  }

  acquire(): Uint8Array<ArrayBuffer> {
    return this.#free.pop() ?? new Uint8Array(this.#size)
  }

  /** Takes back a buffer (or any view of it) once nothing reads it any more. */
  release(view: Uint8Array): void {
    const { buffer } = view
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== this.#size) return
    if (this.#free.length < this.#keep) this.#free.push(new Uint8Array(buffer))
  }
}

const freshBuffers = (segmentSize: number): SegmentBuffers => ({
  acquire: () => new Uint8Array(segmentSize),
})

type Reader =
  | { byob: true; reader: ReadableStreamBYOBReader }
  | { byob: false; reader: ReadableStreamDefaultReader<Uint8Array> }

function readerOf(stream: ReadableStream<Uint8Array>): Reader {
  try {
    // Byte streams (File.stream(), fetch bodies) can read straight into our buffer, which
    // saves both the stream's own chunk allocations and the copy out of them.
    return { byob: true, reader: stream.getReader({ mode: 'byob' }) }
  } catch {
    return { byob: false, reader: stream.getReader() }
  }
}

/**
 * Cuts a byte stream into segments of exactly `segmentSize` bytes (the last one shorter). Holds
 * one segment back until the next byte or the end arrives, since `final` must be known before
 * a segment is encrypted. Memory: about two segments, whatever the stream's length.
 */
export async function* segmentStream(
  stream: ReadableStream<Uint8Array>,
  segmentSize: number,
  options: SegmentStreamOptions = {},
): AsyncGenerator<Segment, void, undefined> {
  const { signal } = options
  const buffers = options.buffers ?? freshBuffers(segmentSize)
  const source = readerOf(stream)
  let cur = buffers.acquire()
  let fill = 0
  let pending: Uint8Array | undefined
  let index = 0
  let finished = false
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal)
      if (source.byob) {
        const { done, value } = await source.reader.read(cur.subarray(fill))
        // A BYOB read moves the buffer; the answer is a view of the same memory.
        if (value) cur = new Uint8Array(value.buffer, 0, segmentSize)
        if (done) break
        fill += value.length
        if (pending && fill > 0) {
          // A byte past the held-back segment exists, so that segment was not the last.
          yield { index: index++, bytes: pending, final: false }
          pending = undefined
        }
        if (fill === segmentSize) {
          pending = cur
          cur = buffers.acquire()
          fill = 0
        }
      } else {
        const { done, value } = await source.reader.read()
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
            cur = buffers.acquire()
            fill = 0
          }
        }
      }
    }
    finished = true
    // A short tail is copied out, so that a small file does not pin a whole segment buffer.
    const tail = fill * 2 < segmentSize ? cur.slice(0, fill) : cur.subarray(0, fill)
    yield { index, bytes: pending ?? tail, final: true }
  } finally {
    if (!finished) await source.reader.cancel().catch(() => {})
    source.reader.releaseLock()
  }
}
