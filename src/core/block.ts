import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from './bytes.ts'
import { BlockMismatchError } from './errors.ts'

/** A content-addressed block: what the network layer stores, sends and pins. */
export interface Block {
  cid: CID
  bytes: Uint8Array
}

export const RAW_CODE = raw.code
export const DAG_CBOR_CODE = dagCbor.code
export const SHA2_256_CODE = sha256.code

/** A shard as an IPFS raw block: CIDv1, raw codec, sha2-256. */
export async function rawBlock(bytes: Uint8Array): Promise<Block> {
  const digest = await sha256.digest(bytes)
  return { cid: CID.createV1(raw.code, digest), bytes }
}

export async function dagCborBlock(bytes: Uint8Array): Promise<Block> {
  const digest = await sha256.digest(bytes)
  return { cid: CID.createV1(dagCbor.code, digest), bytes }
}

/** True when `bytes` are exactly the block `cid` names (sha2-256 only; anything else is false). */
export async function blockMatches(cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== sha256.code) return false
  const digest = await sha256.digest(bytes)
  return equals(digest.digest, cid.multihash.digest)
}

export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (!(await blockMatches(cid, bytes))) {
    throw new BlockMismatchError(`block does not hash to ${cid.toString()}`)
  }
}
