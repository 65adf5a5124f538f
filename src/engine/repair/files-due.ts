import type { FileHealth } from '../../core/placement/index.ts'
import type { FileRecord } from '../../storage/db.ts'
import type { FileToRepair } from './repair-files.ts'

/** Whether a complete file with this health needs a repair pass: at risk, or crowded. */
function needsWork(record: FileRecord, health: FileHealth | undefined): boolean {
  return (
    record.state === 'complete' &&
    health !== undefined &&
    (health.state !== 'safe' || health.crowded)
  )
}

/** The complete files a repair pass should take on, from their last computed health. */
export function filesDue(
  records: readonly FileRecord[],
  health: ReadonlyMap<string, FileHealth>,
): FileToRepair[] {
  return records.flatMap((record) => {
    if (!needsWork(record, health.get(record.id))) return []
    const { id, name, manifestCid } = record
    return manifestCid === undefined ? [] : [{ id, name, manifestCid }]
  })
}

/**
 * Whether work is left after a pass: a file still at risk or crowded, because a repair failed,
 * or its plan was made from the free-space answers it got and a peer whose connection had only
 * just opened had not answered yet.
 */
export function workLeft(
  records: readonly FileRecord[],
  health: ReadonlyMap<string, FileHealth>,
): boolean {
  return records.some((r) => needsWork(r, health.get(r.id)))
}
