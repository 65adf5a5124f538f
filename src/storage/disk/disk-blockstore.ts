import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { logger } from '@libp2p/logger'
import { equals } from '../../core/bytes.ts'
import { noSpace, syncDir, writeFileAtomic } from './atomic-file.ts'
import { BLOCKS_DIR, CORRUPT_DIR, TMP_DIR } from './constants.ts'
import { BlockMissingError, DataDirError, DiskFullError } from './errors.ts'

const log = logger('coffer:storage:disk')

/** Multihash code of sha2-256: the only hash a Coffer block is stored under. */
const SHA2_256 = 0x12

export interface DiskBlockstoreInit {
  /** Told of every block file that failed its CID check (it is then set aside as missing). */
  onCorrupt?: (cid: CID, path: string) => void
}

type BlockInput = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

/**
 * Blocks as files, one per CID, under `<dir>/blocks/<2 chars>/<cid>`. A put is atomic and
 * durable before it resolves (temp file, fsync, rename, fsync of the directory), so a block
 * the store service acknowledged survives `kill -9` and power loss. Every read is checked
 * against its CID: a file that fails is moved to `<dir>/corrupt/`, reported, and from then on
 * missing, so the holder answers "not here" instead of serving bad bytes.
 */
export class DiskBlockstore {
  readonly #dir: string
  readonly #tmp: string
  readonly #corrupt: string
  readonly #init: DiskBlockstoreInit
  /** Shard directories known to exist, so a put creates (and syncs) each only once. */
  readonly #made = new Set<string>()

  constructor(dir: string, init: DiskBlockstoreInit = {}) {
    this.#dir = join(dir, BLOCKS_DIR)
    this.#tmp = join(dir, TMP_DIR)
    this.#corrupt = join(dir, CORRUPT_DIR)
    this.#init = init
  }

  /** Creates the directories and drops temp files a crash left behind (never acknowledged). */
  async open(): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 })
      await mkdir(this.#corrupt, { recursive: true, mode: 0o700 })
      await rm(this.#tmp, { recursive: true, force: true })
      await mkdir(this.#tmp, { recursive: true, mode: 0o700 })
    } catch (err) {
      throw new DataDirError(`cannot use ${this.#dir}: ${(err as Error).message}`, { cause: err })
    }
  }

  #path(cid: CID): { dir: string; file: string } {
    const name = cid.toString()
    const dir = join(this.#dir, name.slice(-2))
    return { dir, file: join(dir, name) }
  }

  async put(cid: CID, block: BlockInput): Promise<CID> {
    const bytes = await gather(block)
    const { dir, file } = this.#path(cid)
    if (!this.#made.has(dir)) {
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 })
      } catch (err) {
        if (noSpace(err)) throw new DiskFullError(`no space left for ${dir}`, { cause: err })
        throw err
      }
      await syncDir(this.#dir)
      this.#made.add(dir)
    }
    await writeFileAtomic(file, bytes, this.#tmp)
    return cid
  }

  async *get(cid: CID): AsyncGenerator<Uint8Array> {
    const { file } = this.#path(cid)
    let bytes: Uint8Array
    try {
      const buf = await readFile(file)
      // A plain view, not a Buffer: callers compare and re-encode it as any Uint8Array.
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BlockMissingError(`block ${cid.toString()} is not on this disk`)
      }
      throw err
    }
    if (!hashMatches(cid, bytes)) {
      await this.#setAside(cid, file)
      throw new BlockMissingError(`block ${cid.toString()} failed its CID check`)
    }
    yield bytes
  }

  async has(cid: CID): Promise<boolean> {
    try {
      return (await stat(this.#path(cid).file)).isFile()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }

  async delete(cid: CID): Promise<void> {
    const { dir, file } = this.#path(cid)
    await rm(file, { force: true })
    await syncDir(dir).catch((err: unknown) => {
      // The file is gone or going; a lost unlink only leaves an orphan the next sweep drops.
      log('could not sync %s after deleting %s - %e', dir, cid, err)
    })
  }

  /** Every CID string with a file here (for the ledger's sweep of orphans at start). */
  async *names(): AsyncGenerator<string> {
    for (const sub of await readdir(this.#dir)) {
      for (const name of await readdir(join(this.#dir, sub))) yield name
    }
  }

  /** Deletes the file of a CID given as a string (an orphan no ledger entry names). */
  async deleteName(name: string): Promise<void> {
    if (!/^[a-z2-7]+$/.test(name)) return
    await rm(join(this.#dir, name.slice(-2), name), { force: true })
  }

  async #setAside(cid: CID, file: string): Promise<void> {
    const aside = join(this.#corrupt, `${cid.toString()}.${Date.now()}`)
    log.error('block file %s does not match its CID; moved to %s', file, aside)
    try {
      await rename(file, aside)
    } catch (err) {
      // Moving failed (another read moved it first, or the disk is read-only): remove it so it
      // is never served; the report below still goes out.
      log.error('could not move %s aside - %e', file, err)
      await rm(file, { force: true })
    }
    this.#init.onCorrupt?.(cid, aside)
  }
}

function hashMatches(cid: CID, bytes: Uint8Array): boolean {
  if (cid.multihash.code !== SHA2_256) return false
  const digest = createHash('sha256').update(bytes).digest()
  return equals(
    new Uint8Array(digest.buffer, digest.byteOffset, digest.length),
    cid.multihash.digest,
  )
}

async function gather(block: BlockInput): Promise<Uint8Array> {
  if (block instanceof Uint8Array) return block
  const parts: Uint8Array[] = []
  for await (const part of block) parts.push(part)
  return Buffer.concat(parts)
}
