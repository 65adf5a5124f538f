import { open, readFile, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import type { HoldingRecord } from '../db.ts'
import type { HoldingLedger, ReleaseResult } from '../holding-ledger.ts'
import { noSpace, writeFileAtomic } from './atomic-file.ts'
import { HOLDINGS_FILE, LEDGER_COMPACT_LINES, TMP_DIR } from './constants.ts'
import { DiskFullError, LedgerFormatError } from './errors.ts'

const log = logger('coffer:storage:disk:ledger')

/** One line of the journal (docs/FORMAT.md, "Keeper data directory"). */
type LedgerLine =
  | { op: 'add'; cid: string; owner: string; size: number; at: number }
  | { op: 'release'; cid: string; owner: string }
  | { op: 'forget'; cid: string }

const CID_PATTERN = /^[a-z2-7]{1,128}$/
const PEER_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{1,128}$/

function parseLine(text: string): LedgerLine | undefined {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const o = v as Record<string, unknown>
  if (typeof o.cid !== 'string' || !CID_PATTERN.test(o.cid)) return undefined
  if (o.op === 'forget') return { op: 'forget', cid: o.cid }
  if (typeof o.owner !== 'string' || !PEER_PATTERN.test(o.owner)) return undefined
  if (o.op === 'release') return { op: 'release', cid: o.cid, owner: o.owner }
  if (o.op !== 'add' || !Number.isSafeInteger(o.size) || !Number.isSafeInteger(o.at)) {
    return undefined
  }
  return { op: 'add', cid: o.cid, owner: o.owner, size: o.size as number, at: o.at as number }
}

/**
 * The holding ledger of a keeper: an append-only journal of JSON lines, each appended and
 * fdatasync'ed before the call resolves, so a holding the store service signed a receipt for
 * is on disk first. Opening replays it; a torn last line (a crash mid-append, never
 * acknowledged) is cut off, anything else unreadable stops the keeper rather than forgetting
 * what it promised to keep.
 */
export class DiskHoldingLedger implements HoldingLedger {
  readonly #file: string
  readonly #tmp: string
  readonly #holder: string
  readonly #held = new Map<string, HoldingRecord>()
  #used = 0
  #fh: FileHandle | undefined
  /** Appends run one after another, in call order. */
  #tail: Promise<unknown> = Promise.resolve()

  constructor(dir: string, holder: string) {
    this.#file = join(dir, HOLDINGS_FILE)
    this.#tmp = join(dir, TMP_DIR)
    this.#holder = holder
  }

  async open(): Promise<void> {
    let text = ''
    try {
      text = await readFile(this.#file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const lines = text.split('\n')
    // Everything after the last newline was never fully written.
    const torn = lines.pop() ?? ''
    if (torn !== '') {
      log('dropping a torn last journal line of %d bytes', torn.length)
      await truncate(this.#file, text.length - torn.length)
    }
    lines.forEach((line, i) => {
      const parsed = parseLine(line)
      if (parsed === undefined) {
        throw new LedgerFormatError(`${this.#file} line ${i + 1} is not a holdings record`)
      }
      this.#apply(parsed)
    })
    if (lines.length > LEDGER_COMPACT_LINES && lines.length > 2 * this.#held.size) {
      await this.#compact()
    }
    this.#fh = await open(this.#file, 'a', 0o600)
  }

  async close(): Promise<void> {
    await this.#tail
    await this.#fh?.close()
    this.#fh = undefined
  }

  /** Every holding, for the sweep at start and for metrics. */
  entries(): HoldingRecord[] {
    return [...this.#held.values()]
  }

  get size(): number {
    return this.#held.size
  }

  get(cid: string): Promise<HoldingRecord | undefined> {
    const r = this.#held.get(cid)
    return Promise.resolve(r === undefined ? undefined : { ...r, owners: [...r.owners] })
  }

  async add(entry: { cid: string; owner: string; size: number; storedAt: number }): Promise<void> {
    const existing = this.#held.get(entry.cid)
    if (existing?.owners.includes(entry.owner) === true) return
    const line: LedgerLine = {
      op: 'add',
      cid: entry.cid,
      owner: entry.owner,
      size: entry.size,
      at: entry.storedAt,
    }
    await this.#append(line)
  }

  async release(cid: string, owner: string): Promise<ReleaseResult> {
    const existing = this.#held.get(cid)
    if (existing === undefined) return 'absent'
    if (!existing.owners.includes(owner)) return 'not-owner'
    const last = existing.owners.length === 1
    await this.#append({ op: 'release', cid, owner })
    return last ? 'released' : 'still-held'
  }

  /** Drops a holding whose block is gone (failed its CID check, or missing at start). */
  async forget(cid: string): Promise<void> {
    if (this.#held.has(cid)) await this.#append({ op: 'forget', cid })
  }

  usedBytes(): Promise<number> {
    return Promise.resolve(this.#used)
  }

  #append(line: LedgerLine): Promise<void> {
    const run = this.#tail.then(async () => {
      const fh = this.#fh
      if (fh === undefined) throw new Error('the holdings journal is not open')
      try {
        await fh.appendFile(`${JSON.stringify(line)}\n`)
        await fh.datasync()
      } catch (err) {
        if (noSpace(err)) throw new DiskFullError('no space left for the holdings journal')
        throw err
      }
      this.#apply(line)
    })
    // The chain survives a failed append; the caller still sees the failure.
    this.#tail = run.catch(() => undefined)
    return run
  }

  #apply(line: LedgerLine): void {
    const existing = this.#held.get(line.cid)
    if (line.op === 'add') {
      if (existing === undefined) {
        this.#held.set(line.cid, {
          holder: this.#holder,
          cid: line.cid,
          owners: [line.owner],
          size: line.size,
          storedAt: line.at,
        })
        this.#used += line.size
      } else if (!existing.owners.includes(line.owner)) {
        existing.owners.push(line.owner)
      }
      return
    }
    if (existing === undefined) return
    if (line.op === 'release') existing.owners = existing.owners.filter((o) => o !== line.owner)
    if (line.op === 'forget' || existing.owners.length === 0) {
      this.#held.delete(line.cid)
      this.#used -= existing.size
    }
  }

  /** Rewrites the journal as one `add` line per owner of each holding (atomic replace). */
  async #compact(): Promise<void> {
    const out: string[] = []
    for (const r of this.#held.values()) {
      for (const owner of r.owners) {
        out.push(JSON.stringify({ op: 'add', cid: r.cid, owner, size: r.size, at: r.storedAt }))
      }
    }
    const text = out.length === 0 ? '' : `${out.join('\n')}\n`
    await writeFileAtomic(this.#file, new TextEncoder().encode(text), this.#tmp)
    log('compacted the holdings journal to %d lines', out.length)
  }
}
