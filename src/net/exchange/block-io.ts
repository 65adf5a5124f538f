import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { concat, equals } from '../../core/bytes.ts'

/** True when `bytes` hash to the digest in `cid` (sha2-256 is the only hash Coffer accepts). */
export async function matchesCid(cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== sha256.code) return false
  const digest = await sha256.digest(bytes)
  return equals(digest.digest, cid.multihash.digest)
}

/** Reads a whole block (blockstore.get yields chunks), refusing to gather more than `maxBytes`. */
export async function readBlock(
  blockstore: Pick<Blockstore, 'get'>,
  cid: CID,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of blockstore.get(cid, { signal })) {
    length += part.length
    if (length > maxBytes) return undefined
    parts.push(part)
  }
  return parts.length === 1 ? parts[0] : concat(parts)
}
