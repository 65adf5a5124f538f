import { statfs } from 'node:fs/promises'
import type { HoldingLedger } from '../holding-ledger.ts'
import { DISK_HEADROOM_BYTES } from './constants.ts'

export interface DiskSpaceInit {
  /** Bytes the operator gives to the co-op (`--pledge`). */
  pledge: number
  /** Left free on the disk whatever the pledge (default 256 MiB). */
  headroom?: number
  /** Free bytes on the file system of `dir`; tests pass a smaller disk. */
  available?: (dir: string) => Promise<number>
}

async function statfsAvailable(dir: string): Promise<number> {
  const s = await statfs(dir)
  return s.bavail * s.bsize
}

/**
 * The keeper's pledge as the store and fetch services read it: the operator's pledge, but
 * never more than what is held plus what the disk still has free (less a headroom), so a
 * disk that fills up for any reason makes the store service refuse new shards
 * (`PLEDGE_FULL`) before a write can fail half-way.
 */
export function diskSpace(
  dir: string,
  holdings: Pick<HoldingLedger, 'usedBytes'>,
  init: DiskSpaceInit,
): { pledgedBytes(): Promise<number>; freeBytes(): Promise<number> } {
  const available = init.available ?? statfsAvailable
  const headroom = init.headroom ?? DISK_HEADROOM_BYTES
  const pledgedBytes = async (): Promise<number> => {
    const used = await holdings.usedBytes()
    const disk = Math.max(0, (await available(dir)) - headroom)
    return Math.min(init.pledge, used + disk)
  }
  return {
    pledgedBytes,
    freeBytes: async () => Math.max(0, (await pledgedBytes()) - (await holdings.usedBytes())),
  }
}
