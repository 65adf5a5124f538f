import { InvalidParametersError } from './errors.ts'

/** Which stripes hold plaintext bytes [start, end), and how much of them to keep. */
export interface PlaintextWindow {
  /** First stripe to decode. */
  first: number
  /** Last stripe to decode (inclusive). */
  last: number
  /** Bytes of the first stripe's plaintext before `start`. */
  skip: number
  /** Bytes to emit in all: end − start. */
  take: number
}

/**
 * The stripes a byte range needs: segment i holds plaintext bytes [i·segmentSize,
 * (i+1)·segmentSize) (FORMAT.md §3), so a range is served by decoding only those segments.
 * `end` is exclusive; an empty or out-of-file range is a caller's error.
 */
export function plaintextWindow(
  layout: { segmentSize: number; segments: number },
  size: number,
  range: { start: number; end: number },
): PlaintextWindow {
  const { start, end } = range
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > size) {
    throw new InvalidParametersError(`byte range ${start}–${end} is outside a ${size}-byte file`)
  }
  if (end <= start) throw new InvalidParametersError(`byte range ${start}–${end} is empty`)
  const first = Math.floor(start / layout.segmentSize)
  const last = Math.min(layout.segments - 1, Math.floor((end - 1) / layout.segmentSize))
  return { first, last, skip: start - first * layout.segmentSize, take: end - start }
}
