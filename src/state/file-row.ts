import type { FileHealth } from '../core/placement/index.ts'
import { fileKind } from '../core/file-kind.ts'
import type { FileRecord, FileState } from '../storage/db.ts'
import { formatBytes } from './format.ts'
import type { UploadTask } from './upload-task.svelte.ts'

export type HealthTone = 'safe' | 'at-risk' | 'unavailable' | 'unknown'

/** One line of the Files view. */
export interface FileRow {
  id: string
  name: string
  size: number
  sizeText: string
  type: string
  /** What the file is, in plain words ("PDF document"), from its type and name. */
  kindText: string
  createdAt: number
  state: FileState
  manifestCid?: string
  tone: HealthTone
  /** "160/160 shards on 4 peers", "at risk: 3 of 4 needed are online". */
  healthText: string
  health?: FileHealth
  upload?: UploadTask
}

/** "8/8 shards on 5 peers" / "at risk: 3 of 4 needed are online", for one file's health. */
export function describeHealth(h: FileHealth): { tone: HealthTone; text: string } {
  const spread = `${h.shardsStored}/${h.shardsTotal} shards on ${h.peers} ${h.peers === 1 ? 'peer' : 'peers'}`
  if (h.state === 'unavailable') {
    const more = h.shortfall === 1 ? '1 more holder' : `${h.shortfall} more holders`
    return {
      tone: 'unavailable',
      text: `at risk: ${h.worstStripeOnline} of ${h.k} needed are online (${more} must come online to read it)`,
    }
  }
  if (h.state === 'at-risk') {
    return {
      tone: 'at-risk',
      text: `at risk: ${spread}; losing one peer could lose it. Coffer spreads it further when more members are online.`,
    }
  }
  return { tone: 'safe', text: spread }
}

/** The Files view's line for one of my files, with its health or upload state in words. */
export function fileRow(
  r: FileRecord,
  health: FileHealth | undefined,
  upload: UploadTask | undefined,
): FileRow {
  let tone: HealthTone = 'unknown'
  let healthText = ''
  if (r.state === 'complete' && health !== undefined) {
    ;({ tone, text: healthText } = describeHealth(health))
  } else if (upload?.error !== undefined) {
    // A failed Resume must say why, not repeat the generic interrupted text.
    healthText = upload.error
  } else if (r.state === 'interrupted') {
    healthText = 'Interrupted: pick the same file again to resume, or discard it.'
  } else if (r.state === 'uploading') {
    healthText = 'Uploading'
  }
  return {
    id: r.id,
    name: r.name,
    size: r.size,
    sizeText: formatBytes(r.size),
    type: r.type,
    kindText: fileKind(r.name, r.type),
    createdAt: r.createdAt,
    state: upload?.phase === 'failed' && r.state === 'uploading' ? 'interrupted' : r.state,
    ...(r.manifestCid !== undefined ? { manifestCid: r.manifestCid } : {}),
    tone,
    healthText,
    ...(health !== undefined ? { health } : {}),
    ...(upload !== undefined ? { upload } : {}),
  }
}
