import { DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE } from '../../core/constants.ts'
import { maxPlaintextSize } from '../../core/manifest.ts'
import { DEFAULT_N } from '../../core/placement/index.ts'
import { FileTooLargeError } from './errors.ts'

/** Throws FileTooLargeError when one manifest cannot describe `size` bytes. */
export function checkUploadSize(
  size: number,
  segmentSize = DEFAULT_SEGMENT_SIZE,
  n = DEFAULT_N,
): void {
  const max = maxPlaintextSize(segmentSize, n)
  if (size > max) {
    const gb = (max / 1e9).toFixed(1)
    throw new FileTooLargeError(
      `This file is too large: Coffer can store files up to ${gb} GB` +
        (segmentSize < MAX_SEGMENT_SIZE ? ' with its current settings.' : '.'),
    )
  }
}
