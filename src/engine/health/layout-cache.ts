import { CID } from 'multiformats/cid'
import { parseManifest } from '../../core/manifest.ts'
import type { CofferDB, FileRecord } from '../../storage/db.ts'
import { readJournal } from '../../storage/journal.ts'
import type { IDBPDatabase } from 'idb'
import type { ManifestStore } from '../upload/manifest-store.ts'

/**
 * The shard CIDs of each stripe of my files, for health: from the manifest of a complete file
 * (kept, as it never changes) or the journal of one still uploading (read again each time).
 */
export class LayoutCache {
  #layouts = new Map<string, string[][]>()

  async get(
    deps: { db: IDBPDatabase<CofferDB>; manifests: Pick<ManifestStore, 'get'> },
    record: FileRecord,
  ): Promise<string[][] | undefined> {
    const cached = this.#layouts.get(record.id)
    if (cached !== undefined) return cached
    let stripes: string[][] | undefined
    if (record.manifestCid !== undefined) {
      const bytes = await deps.manifests.get(CID.parse(record.manifestCid))
      if (bytes !== undefined) {
        stripes = parseManifest(bytes).layout.stripes.map((s) => s.shards.map((c) => c.toString()))
      }
    } else {
      stripes = (await readJournal(deps.db, record.id)).map((j) => j.shards.map((s) => s.cid))
    }
    if (stripes !== undefined && record.state === 'complete') this.#layouts.set(record.id, stripes)
    return stripes
  }

  delete(id: string): void {
    this.#layouts.delete(id)
  }
}
