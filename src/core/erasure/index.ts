import { createCodecWithKernel, type ErasureCodec } from './codec.ts'
import { mulTs } from './kernel-ts.ts'

export type { ErasureCodec } from './codec.ts'
export { MAX_SHARDS } from './codec.ts'
export * from './errors.ts'

export interface ErasureCodecOptions {
  /** 'ts' forces the portable kernel (for cross-checks); the default picks the fastest available. */
  kernel?: 'auto' | 'ts'
}

/**
 * A systematic Reed–Solomon codec over GF(2^8)/0x11D with the Backblaze encoding matrix:
 * parity shards are interchangeable with those of klauspost/reedsolomon and reed-solomon-erasure.
 */
export function createErasureCodec(
  k: number,
  n: number,
  options: ErasureCodecOptions = {},
): ErasureCodec {
  void options
  return createCodecWithKernel(k, n, mulTs)
}
