import { logger } from '@libp2p/logger'
/* eslint-disable svelte/prefer-svelte-reactivity -- the Maps and Sets here are private caches,
   or built whole and then assigned to a $state.raw field, which is what triggers updates. */
import type { IDBPDatabase } from 'idb'
import type { FileHealth } from '../core/placement/index.ts'
import { localStripeCodec, type StripeCodec } from '../core/stripe.ts'
import type { ShardNetwork } from '../net/store/index.ts'
import type { CofferDB, FileRecord } from '../storage/db.ts'
import { listFiles, markInterruptedUploads, updateFile } from '../storage/files.ts'
import { holdersByShard, receiptsForFile } from '../storage/receipts.ts'
import type { Download } from './download.svelte.ts'
import { formatBytes } from './format.ts'
import type { ShareLinkInput } from './share.svelte.ts'
import { fileRow, type FileRow } from './file-row.ts'
import { explainUploadError, UploadTask } from './upload-task.svelte.ts'
import { PassLoop, type PassOutcome } from '../engine/repair/pass-loop.ts'
import { checkHolders } from '../engine/repair/check-holders.ts'
import { repairFiles } from '../engine/repair/repair-files.ts'
import { LayoutCache } from '../engine/health/layout-cache.ts'
import { filesHealth } from '../engine/health/files-health.ts'
import { filesDue, workLeft } from '../engine/repair/files-due.ts'
import { JobQueue } from '../engine/upload/job-queue.ts'
import { codecOnce } from '../engine/codec-once.ts'
import { watchPeers, type PeerSource } from '../engine/connect/watch-peers.ts'
import { deleteStoredFile, releaseOrphans } from '../engine/upload/delete-stored.ts'
import type { ManifestStore } from '../engine/upload/manifest-store.ts'
import { checkUploadSize } from '../engine/upload/check-upload-size.ts'
import { uploadFile, type UploadSource } from '../engine/upload/upload-file.ts'

const log = logger('coffer:state:files')

/** Everything the Files view needs from the node, injected so tests can pass an in-memory co-op. */
export interface FilesDeps extends PeerSource {
  db: IDBPDatabase<CofferDB>
  network: ShardNetwork
  /** This node's peer id. */
  owner: string
  manifests: ManifestStore
  codec?: StripeCodec | (() => Promise<StripeCodec>)
  /**
   * Starts downloading one of my files (the download engine of src/state/download.svelte.ts).
   * Called synchronously from the click, as the save picker needs the user's gesture.
   */
  download?(record: FileRecord, holders: Map<string, string[]>): Download
  /** What the Share dialog needs for one of my files. */
  share?(record: FileRecord, holders: Map<string, string[]>): ShareLinkInput
  /** Peer ids of the pod's keepers (their absence counts sooner in lazy repair). */
  keepers?: readonly string[]
}

/** Uploads running at once; more files wait their turn. */
export const PARALLEL_UPLOADS = 2
/** Peer changes come in bursts (a peer joins: discovery, dial, identify): act once they settle. */
export const PEER_CHANGE_DEBOUNCE_MS = 1_500
/**
 * A maintenance pass that left work undone (a store or build failed, often on a connection that
 * had only just opened) runs again after this, then twice as long each time up to the maximum.
 */
export const MAINTAIN_RETRY_MS = 5_000
export const MAINTAIN_RETRY_MAX_MS = 300_000

/**
 * My files and my uploads: the list (from IndexedDB, so it survives a reload), live health
 * from the receipts and the peers online, uploads with progress and Cancel, Resume and
 * Discard for interrupted ones, rename and delete. Repairs at-risk files, and spreads crowded
 * ones, when peers join or an upload ends, and again a while later when a pass left work undone.
 */
export class FilesState {
  #deps: FilesDeps | undefined
  #records = $state.raw<FileRecord[]>([])
  #tasks = $state.raw<UploadTask[]>([])
  #health = $state.raw<Map<string, FileHealth>>(new Map())
  #notice = $state<string | undefined>()
  #ready = $state(false)
  #layouts = new LayoutCache()
  /** Holders per shard of each complete file, as of the last health computation. */
  #holders = new Map<string, Map<string, string[]>>()
  #downloads = $state.raw<Map<string, Download>>(new Map())
  #sharing = $state.raw<ShareLinkInput | undefined>()
  #unsubscribe: (() => void) | undefined
  #uploads = new JobQueue(PARALLEL_UPLOADS)
  #codec: () => Promise<StripeCodec | undefined> = codecOnce(undefined)
  #seq = 0
  #debounceMs: number
  #loop: PassLoop

  constructor(options: { debounceMs?: number; retryMs?: number } = {}) {
    this.#debounceMs = options.debounceMs ?? PEER_CHANGE_DEBOUNCE_MS
    this.#loop = new PassLoop({
      pass: () => this.#pass(),
      retryMs: options.retryMs ?? MAINTAIN_RETRY_MS,
      retryMaxMs: MAINTAIN_RETRY_MAX_MS,
    })
  }

  /** False until the node is attached and the list is read. */
  get ready(): boolean {
    return this.#ready
  }

  /** A message about the last action that could not start (too large, nobody online, …). */
  get notice(): string | undefined {
    return this.#notice
  }

  dismissNotice(): void {
    this.#notice = undefined
  }

  /** Running uploads whose file record does not exist yet (waiting, or refused before start). */
  get pending(): UploadTask[] {
    return this.#tasks.filter((t) => t.fileId === undefined)
  }

  get rows(): FileRow[] {
    const byFile = new Map<string, UploadTask>()
    for (const t of this.#tasks) if (t.fileId !== undefined) byFile.set(t.fileId, t)
    return this.#records.map((r) => fileRow(r, this.#health.get(r.id), byFile.get(r.id)))
  }

  /** The download started from the Files view for a file, if any. */
  downloadOf(id: string): Download | undefined {
    return this.#downloads.get(id)
  }

  /** Whether this page can download and share (false in tests without the engines). */
  get canDownload(): boolean {
    return this.#deps?.download !== undefined
  }
  get canShare(): boolean {
    return this.#deps?.share !== undefined
  }

  /** Starts a download of a complete file; call it straight from the click handler. */
  download(id: string): Download | undefined {
    const deps = this.#deps
    const record = this.record(id)
    if (deps?.download === undefined || record?.state !== 'complete') return undefined
    this.#downloads.get(id)?.cancel()
    const d = deps.download(record, this.#holders.get(id) ?? new Map<string, string[]>())
    this.#downloads = new Map([...this.#downloads, [id, d]])
    return d
  }

  /** The open Share dialog's input, or undefined when none is open. */
  get sharing(): ShareLinkInput | undefined {
    return this.#sharing
  }

  share(id: string): void {
    const deps = this.#deps
    const record = this.record(id)
    if (deps?.share === undefined || record?.state !== 'complete') return
    this.#sharing = deps.share(record, this.#holders.get(id) ?? new Map<string, string[]>())
  }

  closeShare(): void {
    this.#sharing = undefined
  }

  record(id: string): FileRecord | undefined {
    return this.#records.find((r) => r.id === id)
  }

  /** CID string → holder peer ids, from the file's receipts (for download and share). */
  async holders(id: string): Promise<Map<string, string[]>> {
    const deps = this.#deps
    if (deps === undefined) return new Map()
    return holdersByShard(await receiptsForFile(deps.db, id))
  }

  /**
   * Connects the list to a running node. Uploads left 'uploading' by a closed tab become
   * 'interrupted' here: at this point no upload of this page has started yet.
   */
  async attach(deps: FilesDeps): Promise<void> {
    this.detach()
    this.#deps = deps
    this.#codec = codecOnce(deps.codec)
    await markInterruptedUploads(deps.db)
    this.#unsubscribe = watchPeers(deps, this.#debounceMs, (joined) => {
      void this.#updateHealth()
      if (joined) void this.#maintain()
    })
    await this.refresh()
    this.#ready = true
    void this.#maintain()
  }

  detach(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#loop.stop()
    this.#deps = undefined
    this.#ready = false
  }

  /** Re-reads the files and recomputes their health. */
  async refresh(): Promise<void> {
    const deps = this.#deps
    if (deps === undefined) return
    this.#records = await listFiles(deps.db)
    await this.#updateHealth()
  }

  /** Starts uploading files (from the picker or a drop); each gets its own progress. */
  upload(files: Iterable<UploadSource>): UploadTask[] {
    const tasks: UploadTask[] = []
    for (const file of files) {
      const task = new UploadTask(`u${++this.#seq}`, file.name, file.size)
      try {
        checkUploadSize(file.size)
      } catch (err) {
        this.#notice = `${file.name}: ${explainUploadError(err)}`
        continue
      }
      tasks.push(task)
      this.#tasks = [...this.#tasks, task]
      this.#uploads.add(() => this.#run(task, file))
    }
    return tasks
  }

  /** Finishes an interrupted upload from the same file picked again. */
  resume(id: string, file: UploadSource): UploadTask | undefined {
    const record = this.record(id)
    if (record === undefined || record.state === 'complete') return undefined
    if (file.name !== record.name || file.size !== record.size) {
      this.#notice = `That is not “${record.name}” (${formatBytes(record.size)}): pick the same file to resume.`
      return undefined
    }
    const task = new UploadTask(`u${++this.#seq}`, file.name, file.size)
    task.attach(id)
    this.#tasks = [...this.#tasks.filter((t) => t.fileId !== id), task]
    this.#uploads.add(() => this.#run(task, file, record))
    return task
  }

  /** Stops an upload; what it stored is deleted from the holders and the file is forgotten. */
  cancel(task: UploadTask): void {
    task.controller.abort()
    if (task.fileId === undefined) this.#dropTask(task)
  }

  async rename(id: string, name: string): Promise<void> {
    const deps = this.#deps
    const trimmed = name.trim()
    if (deps === undefined || trimmed === '') return
    await updateFile(deps.db, id, { name: trimmed })
    await this.refresh()
  }

  /** Deletes a file (or discards an interrupted upload): holders free the space. */
  async remove(id: string): Promise<void> {
    const deps = this.#deps
    const record = this.record(id)
    if (deps === undefined || record === undefined) return
    const task = this.#tasks.find((t) => t.fileId === id)
    if (task !== undefined && task.phase !== 'failed' && task.phase !== 'done') {
      // A running upload cleans up after itself once it has stopped.
      task.controller.abort()
      return
    }
    if (task !== undefined) this.#dropTask(task)
    this.#records = this.#records.filter((r) => r.id !== id)
    const { pending } = await deleteStoredFile(deps, record)
    this.#layouts.delete(id)
    // A repair of this file under way still records receipts for the shards it stores (it
    // must, or nothing could free them): the pass goes round once more, and the next round
    // releases those orphans first.
    this.#loop.again()
    if (pending > 0) {
      this.#notice = `“${record.name}” is deleted here; ${pending} of its encrypted parts are on members who are offline and will be freed when they come back.`
    }
    await this.refresh()
  }

  // ---------------------------------------------------------------- internals

  #dropTask(task: UploadTask): void {
    this.#tasks = this.#tasks.filter((t) => t !== task)
  }

  async #run(task: UploadTask, file: UploadSource, resume?: FileRecord): Promise<void> {
    const deps = this.#deps
    if (task.cancelled) return this.#dropTask(task)
    if (deps === undefined) {
      task.fail('Coffer is not connected yet.')
      return
    }
    task.start()
    try {
      const codec = await this.#codec()
      const result = await uploadFile({ ...deps, codec }, file, {
        signal: task.controller.signal,
        ...(resume !== undefined ? { resume } : {}),
        onRecord: (record) => {
          task.attach(record.id)
          this.#records = [record, ...this.#records.filter((r) => r.id !== record.id)]
        },
        onProgress: (p) => task.progress(p),
      })
      task.finish()
      this.#dropTask(task)
      this.#layouts.delete(result.record.id)
      await this.refresh()
      // A store that failed for a moment leaves its shard on a peer that already had its share.
      if (!result.safe || this.#health.get(result.record.id)?.crowded === true) {
        void this.#maintain()
      }
    } catch (err) {
      if (task.cancelled) {
        this.#dropTask(task)
        if (task.fileId !== undefined) {
          const record = this.record(task.fileId)
          if (record !== undefined) {
            // What could not be freed now is left to releaseOrphans on a later pass.
            await deleteStoredFile(deps, record).catch((err: unknown) =>
              log('freeing a cancelled upload failed: %s', err),
            )
          }
        }
        await this.refresh()
        return
      }
      if (task.fileId === undefined) {
        this.#dropTask(task)
        this.#notice = `${file.name}: ${explainUploadError(err)}`
        return
      }
      task.fail(explainUploadError(err))
      await updateFile(deps.db, task.fileId, { state: 'interrupted' }).catch(
        // The record stays as it was; the next load marks an unfinished upload interrupted.
        (err: unknown) => log('marking the upload interrupted failed: %s', err),
      )
      await this.refresh()
    }
  }

  async #updateHealth(): Promise<void> {
    const deps = this.#deps
    if (deps === undefined) return
    const { health, holders } = await filesHealth(
      deps,
      this.#records,
      this.#layouts,
      new Set(deps.peers()),
    )
    for (const [id, byShard] of holders) this.#holders.set(id, byShard)
    this.#health = health
  }

  /**
   * Repairs at-risk files, spreads crowded ones over the peers online, and retries deletes owed
   * to holders that were offline. One pass at a time; a request during a pass runs one more
   * pass after it.
   */
  async #maintain(): Promise<void> {
    await this.#loop.request()
  }

  /** One maintenance pass: health, owed deletes, then repair of what needs it. */
  async #pass(): Promise<PassOutcome> {
    const deps = this.#deps
    if (deps === undefined) return 'detached'
    await checkHolders(deps)
    // Decide on the peers online now: a pass asked for by a join may start before the
    // health update that the join also started has finished.
    await this.#updateHealth().catch((err: unknown) =>
      log('health update failed, the badges keep their last state: %s', err),
    )
    await releaseOrphans(deps).catch((err: unknown) =>
      log('freeing orphans failed, tried on the next pass: %s', err),
    )
    const due = filesDue(this.#records, this.#health)
    const changed = await repairFiles(
      { ...deps, codec: async () => (await this.#codec()) ?? localStripeCodec },
      due,
      (id) => this.record(id) !== undefined,
    )
    if (changed) {
      await this.#updateHealth().catch((err: unknown) =>
        log('health update failed, the badges keep their last state: %s', err),
      )
    }
    const unfinished = workLeft(this.#records, this.#health)
    return unfinished && this.#deps !== undefined ? 'unfinished' : 'done'
  }
}
