/** One satisfiable byte range of a resource, end exclusive. */
export interface ByteRange {
  start: number
  end: number
}

const SINGLE = /^bytes=(\d{0,15})-(\d{0,15})$/

/**
 * Reads an HTTP `Range` header (RFC 9110 §14.1.2) against a resource of `size` bytes: one range
 * only (media elements never ask for more). Undefined means "send it all" (no header, several
 * ranges, another unit, or nonsense); 'unsatisfiable' means answer 416.
 */
export function parseByteRange(
  header: string | null,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === null) return undefined
  const m = SINGLE.exec(header.trim())
  if (m === null) return undefined
  const [, first, last] = m as unknown as [string, string, string]
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size }
  }
  const start = Number(first)
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size : Math.min(size, Number(last) + 1)
  if (end <= start) return undefined
  return { start, end }
}
