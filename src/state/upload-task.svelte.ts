import { SpeedMeter } from '../engine/speed.ts'
import { FileTooLargeError, NoPeersError, ResumeMismatchError } from '../engine/upload/errors.ts'
import type { UploadProgress } from '../engine/upload/upload-file.ts'

export type UploadPhase = 'waiting' | 'encoding' | 'storing' | 'finishing' | 'failed' | 'done'

/** One running (or waiting, or failed) upload, as the view shows it. */
export class UploadTask {
  readonly key: string
  readonly name: string
  readonly total: number
  #phase = $state<UploadPhase>('waiting')
  #encoded = $state(0)
  #stored = $state(0)
  #speed = $state(0)
  #error = $state<string | undefined>()
  #fileId = $state<string | undefined>()
  readonly #meter = new SpeedMeter()
  readonly controller = new AbortController()
  startedAt = 0
  finishedAt = 0

  constructor(key: string, name: string, total: number) {
    this.key = key
    this.name = name
    this.total = total
  }

  get phase(): UploadPhase {
    return this.#phase
  }
  get encoded(): number {
    return this.#encoded
  }
  get stored(): number {
    return this.#stored
  }
  /** Bytes stored per second, over the last few seconds. */
  get speed(): number {
    return this.#speed
  }
  get error(): string | undefined {
    return this.#error
  }
  /** The file record's id once it exists. */
  get fileId(): string | undefined {
    return this.#fileId
  }
  get cancelled(): boolean {
    return this.controller.signal.aborted
  }

  /** Fractions 0…1 for the two progress bars. */
  get encodedFraction(): number {
    return this.total === 0 ? (this.#phase === 'waiting' ? 0 : 1) : this.#encoded / this.total
  }
  get storedFraction(): number {
    return this.total === 0 ? (this.#phase === 'done' ? 1 : 0) : this.#stored / this.total
  }

  start(): void {
    this.#phase = 'encoding'
    this.startedAt = Date.now()
    this.#meter.reset(this.startedAt)
  }

  attach(fileId: string): void {
    this.#fileId = fileId
  }

  progress(p: UploadProgress): void {
    this.#encoded = p.encoded
    this.#stored = p.stored
    if (p.encoded >= this.total) this.#phase = p.stored >= this.total ? 'finishing' : 'storing'
    this.#speed = this.#meter.add(Date.now(), p.stored)
  }

  finish(): void {
    this.#phase = 'done'
    this.#encoded = this.total
    this.#stored = this.total
    this.finishedAt = Date.now()
  }

  fail(message: string): void {
    this.#phase = 'failed'
    this.#error = message
  }
}

/** A plain sentence for an upload failure. */
export function explainUploadError(err: unknown): string {
  if (
    err instanceof FileTooLargeError ||
    err instanceof NoPeersError ||
    err instanceof ResumeMismatchError
  ) {
    return err.message
  }
  if (err instanceof Error && err.name === 'UploadIncompleteError') return err.message
  return `The upload stopped: ${err instanceof Error ? err.message : String(err)}. You can resume it.`
}
