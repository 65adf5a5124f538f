import { CID } from 'multiformats/cid'
import { base64url } from 'multiformats/bases/base64'
import { DAG_CBOR_CODE, SHA2_256_CODE } from './block.ts'
import { KEY_BYTES } from './constants.ts'
import { InvalidCapabilityError, UnsupportedCapabilityError } from './errors.ts'

// Byte layouts are specified in docs/FORMAT.md §8 (share links: ./share-link.ts, §9); keep in sync.

export const CAPABILITY_VERSION = 0x01
export const READ_KIND = 0x01
export const REPAIR_KIND = 0x02
/** CIDv1 + dag-cbor + sha2-256 multihash header + 32-byte digest. */
const MANIFEST_CID_BYTES = 36
const HEADER_BYTES = 2
const READ_BYTES = HEADER_BYTES + MANIFEST_CID_BYTES + KEY_BYTES
const REPAIR_BYTES = HEADER_BYTES + MANIFEST_CID_BYTES

/** Manifest CID + file key: lets the holder read the file. */
export interface ReadCapability {
  kind: 'read'
  manifest: CID
  key: Uint8Array
}

/** Manifest CID alone: lets the holder check and repair shards, never read them. */
export interface RepairCapability {
  kind: 'repair'
  manifest: CID
}

export type Capability = ReadCapability | RepairCapability

const B64URL = /^[A-Za-z0-9_-]*$/

export function checkManifestCid(cid: CID): void {
  if (
    cid.version !== 1 ||
    cid.code !== DAG_CBOR_CODE ||
    cid.multihash.code !== SHA2_256_CODE ||
    cid.multihash.size !== 32
  ) {
    throw new InvalidCapabilityError('the manifest CID must be CIDv1, dag-cbor, sha2-256')
  }
}

export function capabilityBytes(cap: Capability): Uint8Array {
  checkManifestCid(cap.manifest)
  const out = new Uint8Array(cap.kind === 'read' ? READ_BYTES : REPAIR_BYTES)
  out[0] = CAPABILITY_VERSION
  out[1] = cap.kind === 'read' ? READ_KIND : REPAIR_KIND
  out.set(cap.manifest.bytes, HEADER_BYTES)
  if (cap.kind === 'read') {
    if (cap.key.length !== KEY_BYTES) throw new InvalidCapabilityError('the key must be 32 bytes')
    out.set(cap.key, HEADER_BYTES + MANIFEST_CID_BYTES)
  }
  return out
}

export function formatCapability(cap: Capability): string {
  return base64url.baseEncode(capabilityBytes(cap))
}

export function parseCapabilityBytes(data: Uint8Array): Capability {
  if (data.length < HEADER_BYTES) throw new InvalidCapabilityError('capability is truncated')
  if (data[0] !== CAPABILITY_VERSION) {
    throw new UnsupportedCapabilityError(`capability version ${data[0]} is not supported`)
  }
  const kind = data[1]
  if (kind !== READ_KIND && kind !== REPAIR_KIND) {
    throw new UnsupportedCapabilityError(`capability kind ${kind} is not supported`)
  }
  const expected = kind === READ_KIND ? READ_BYTES : REPAIR_BYTES
  if (data.length !== expected) {
    throw new InvalidCapabilityError(
      `capability has ${data.length} bytes, expected ${expected}` +
        (data.length < expected ? ' (truncated)' : ''),
    )
  }
  let manifest: CID
  try {
    manifest = CID.decode(data.slice(HEADER_BYTES, HEADER_BYTES + MANIFEST_CID_BYTES))
  } catch {
    throw new InvalidCapabilityError('capability holds a malformed CID')
  }
  checkManifestCid(manifest)
  if (kind === REPAIR_KIND) return { kind: 'repair', manifest }
  return { kind: 'read', manifest, key: data.slice(HEADER_BYTES + MANIFEST_CID_BYTES) }
}

/** Strict: base64url without padding, canonical trailing bits, known version and kind. */
export function parseCapability(text: string): Capability {
  if (typeof text !== 'string') throw new InvalidCapabilityError('capability must be a string')
  if (text.length === 0) throw new InvalidCapabilityError('capability is empty')
  if (text.length > 2 * READ_BYTES) throw new InvalidCapabilityError('capability is too long')
  if (!B64URL.test(text)) {
    throw new InvalidCapabilityError('capability has characters outside base64url')
  }
  let data: Uint8Array
  try {
    data = base64url.baseDecode(text)
  } catch {
    throw new InvalidCapabilityError('capability is not valid base64url')
  }
  const cap = parseCapabilityBytes(data)
  // Guards against encodings that decode to the same bytes (non-zero trailing bits).
  if (formatCapability(cap) !== text) throw new InvalidCapabilityError('capability not canonical')
  return cap
}

export function parseReadCapability(text: string): ReadCapability {
  const cap = parseCapability(text)
  if (cap.kind !== 'read') {
    throw new InvalidCapabilityError('this is a repair capability: it cannot open the file')
  }
  return cap
}

export function toRepairCapability(cap: Capability): RepairCapability {
  return { kind: 'repair', manifest: cap.manifest }
}
