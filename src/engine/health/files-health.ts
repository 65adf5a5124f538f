import type { IDBPDatabase } from 'idb'
import { computeHealth, type FileHealth } from '../../core/placement/index.ts'
import type { CofferDB, FileRecord } from '../../storage/db.ts'
import { holdersByShard, receiptsForFile } from '../../storage/receipts.ts'
import type { ManifestStore } from '../upload/manifest-store.ts'
import type { LayoutCache } from './layout-cache.ts'

export interface FilesHealth {
  /** By file id, for complete files whose layout is known. */
  health: Map<string, FileHealth>
  /** By file id: CID string → holder peer ids, from the receipts (for download and share). */
  holders: Map<string, Map<string, string[]>>
}

/** The health of my complete files, from their receipts and the peers online now. */
export async function filesHealth(
  deps: { db: IDBPDatabase<CofferDB>; manifests: Pick<ManifestStore, 'get'> },
  records: readonly FileRecord[],
  layouts: Pick<LayoutCache, 'get'>,
  online: ReadonlySet<string>,
): Promise<FilesHealth> {
  const health = new Map<string, FileHealth>()
  const holders = new Map<string, Map<string, string[]>>()
  for (const record of records) {
    if (record.state !== 'complete') continue
    const stripes = await layouts.get(deps, record)
    if (stripes === undefined) continue
    const byShard = holdersByShard(await receiptsForFile(deps.db, record.id))
    holders.set(record.id, byShard)
    health.set(
      record.id,
      computeHealth({ k: record.k, n: record.n, stripes, holders: byShard, online }),
    )
  }
  return { health, holders }
}
