import { open, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DiskFullError } from './errors.ts'

/** Names a temp file in `tmpDir`: unique per write, so concurrent writers never share one. */
export function tempPath(tmpDir: string): string {
  return join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`)
}

function noSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/**
 * Writes `bytes` to `target` so that a crash at any moment leaves either the old file or the
 * whole new one: write a temp file on the same file system, fsync it, rename it over the
 * target, fsync the directory (a rename is only durable once its directory entry is).
 */
export async function writeFileAtomic(
  target: string,
  bytes: Uint8Array,
  tmpDir: string,
): Promise<void> {
  const tmp = tempPath(tmpDir)
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { force: true })
    if (noSpace(err)) throw new DiskFullError(`no space left to write ${target}`, { cause: err })
    throw err
  }
  await syncDir(dirname(target))
}

/** Makes directory entries created or renamed in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export { noSpace }
