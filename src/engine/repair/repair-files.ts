import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { parseManifest } from '../../core/manifest.ts'
import type { ManifestStore } from '../upload/manifest-store.ts'
import { repairFile, type RepairDeps } from './repair.ts'

const log = logger('coffer:engine:repair')

/** A complete file the owner keeps, as a repair pass sees it. */
export interface FileToRepair {
  id: string
  name: string
  manifestCid: string
}

export interface RepairFilesDeps extends Omit<RepairDeps, 'codec'> {
  manifests: Pick<ManifestStore, 'get'>
  /** The codec for this pass (the page's worker pool, started on first need). */
  codec: () => Promise<RepairDeps['codec']>
}

/**
 * One repair pass over the files that need it (at risk, or crowded onto too few holders).
 * A file whose repair fails stays unhealthy and is tried on the next pass; `stillWanted`
 * skips a file deleted while the pass was busy with an earlier one.
 * Returns whether any shard or manifest copy was stored.
 */
export async function repairFiles(
  deps: RepairFilesDeps,
  files: readonly FileToRepair[],
  stillWanted: (id: string) => boolean,
): Promise<boolean> {
  let changed = false
  for (const file of files) {
    if (!stillWanted(file.id)) continue
    const cid = CID.parse(file.manifestCid)
    const bytes = await deps.manifests.get(cid)
    if (bytes === undefined) continue
    try {
      const report = await repairFile(
        { ...deps, codec: await deps.codec() },
        {
          fileId: file.id,
          manifestCid: cid,
          manifestBytes: bytes,
          layout: parseManifest(bytes).layout,
        },
      )
      if (report.shardsStored > 0 || report.manifestCopiesAdded > 0) changed = true
    } catch (err) {
      // A peer vanished mid-repair: the file stays unhealthy, so the retry tries again.
      log('repair of %s failed: %s', file.name, err)
    }
  }
  return changed
}
