import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { isPlainMap } from './plain-map.ts'
import { blockMatches, dagCborBlock, RAW_CODE, SHA2_256_CODE, type Block } from './block.ts'
import { equals, utf8 } from './bytes.ts'
import {
  FILE_ID_BYTES,
  MANIFEST_VERSION,
  MAX_ENVELOPE_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_MEDIA_TYPE_LENGTH,
  MAX_NAME_BYTES,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  TAG_BYTES,
} from './constants.ts'
import { MAX_SHARDS } from './erasure/index.ts'
import {
  BlockMismatchError,
  CoreError,
  InvalidEnvelopeError,
  InvalidManifestError,
  ManifestTooLargeError,
  UnsupportedManifestVersionError,
} from './errors.ts'
import { importFileKey, openEnvelope, sealEnvelope } from './segment-crypto.ts'
import { shardSizeFor } from './stripe.ts'

// Field names and types are specified in docs/FORMAT.md §5–6; keep in sync.

export interface StripeLayout {
  /** Ciphertext bytes of the segment (plaintext + 16-byte GCM tag), before padding. */
  length: number
  /** Bytes in each of the stripe's n shards: ceil(length / k). */
  shardSize: number
  /** n raw-block CIDs: k data shards, then n−k parity shards. */
  shards: CID[]
}

/** Public: enough to verify and repair every shard, nothing that reveals the content. */
export interface Layout {
  fileId: Uint8Array
  segmentSize: number
  k: number
  n: number
  segments: number
  stripes: StripeLayout[]
}

export interface Manifest {
  version: number
  layout: Layout
  /** The sealed envelope: AES-256-GCM ciphertext of the envelope CBOR, tag appended. */
  envelope: Uint8Array
}

/** Private file metadata, readable only with the file key. */
export interface Envelope {
  name: string
  /** Media type as given by the uploader (e.g. `image/png`); may be empty. */
  type: string
  size: number
  /** SHA-256 of the whole plaintext. */
  sha256: Uint8Array
  /** Creation time, milliseconds since the Unix epoch. */
  created: number
}

export interface OpenedManifest {
  cid?: CID
  manifest: Manifest
  envelope: Envelope
  key: Uint8Array
}

type Plain = Record<string, unknown>

function fail(message: string): never {
  throw new InvalidManifestError(message)
}

function exactKeys(obj: Plain, keys: readonly string[], where: string): void {
  const actual = Object.keys(obj)
  if (actual.length !== keys.length || !keys.every((k) => Object.hasOwn(obj, k))) {
    fail(`${where}: expected exactly the fields ${keys.join(', ')}`)
  }
}

function uint(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${where}: expected an integer in [${min}, ${max}]`)
  }
  return value
}

function bytes(value: unknown, min: number, max: number, where: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length < min || value.length > max) {
    fail(`${where}: expected ${min === max ? min : `${min}–${max}`} bytes`)
  }
  return value
}

function shardCid(value: unknown, where: string): CID {
  const cid = CID.asCID(value)
  if (
    cid === null ||
    cid.version !== 1 ||
    cid.code !== RAW_CODE ||
    cid.multihash.code !== SHA2_256_CODE ||
    cid.multihash.size !== 32
  ) {
    fail(`${where}: expected a CIDv1 raw sha2-256`)
  }
  return cid
}

/** Plaintext size implied by the layout (the exact size is public: see FORMAT.md §7). */
export function plaintextSize(layout: Layout): number {
  const last = layout.stripes[layout.stripes.length - 1]
  if (!last) return 0
  return (layout.segments - 1) * layout.segmentSize + last.length - TAG_BYTES
}

/** Checks every rule of FORMAT.md §5 on an already-typed layout. Throws InvalidManifestError. */
export function validateLayout(layout: Layout): void {
  const { segmentSize, k, n, segments, stripes } = layout
  bytes(layout.fileId, FILE_ID_BYTES, FILE_ID_BYTES, 'layout.fileId')
  uint(segmentSize, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE, 'layout.segmentSize')
  uint(k, 1, MAX_SHARDS - 1, 'layout.k')
  uint(n, k + 1, MAX_SHARDS, 'layout.n')
  uint(segments, 1, Number.MAX_SAFE_INTEGER, 'layout.segments')
  if (!Array.isArray(stripes) || stripes.length !== segments) {
    fail('layout.stripes: expected one stripe per segment')
  }
  const full = segmentSize + TAG_BYTES
  stripes.forEach((stripe, i) => {
    const where = `layout.stripes[${i}]`
    const last = i === segments - 1
    // Only a one-segment file may have an empty segment; only the last may be short.
    const min = last ? (segments === 1 ? TAG_BYTES : TAG_BYTES + 1) : full
    uint(stripe.length, min, full, `${where}.length`)
    if (stripe.shardSize !== shardSizeFor(stripe.length, k)) {
      fail(`${where}.shardSize: expected ceil(length / k)`)
    }
    if (!Array.isArray(stripe.shards) || stripe.shards.length !== n) {
      fail(`${where}.shards: expected ${n} CIDs`)
    }
    stripe.shards.forEach((cid, j) => shardCid(cid, `${where}.shards[${j}]`))
  })
  if (!Number.isSafeInteger(plaintextSize(layout))) fail('layout: file size out of range')
}

function toCbor(manifest: Manifest): unknown {
  const { layout } = manifest
  return {
    v: manifest.version,
    layout: {
      fileId: layout.fileId,
      segmentSize: layout.segmentSize,
      k: layout.k,
      n: layout.n,
      segments: layout.segments,
      stripes: layout.stripes.map((s) => ({
        length: s.length,
        shardSize: s.shardSize,
        shards: s.shards,
      })),
    },
    envelope: manifest.envelope,
  }
}

/** Upper bound of the manifest bytes one stripe adds, for an n-shard code (see FORMAT.md §5). */
export function stripeManifestBytes(n: number): number {
  return 45 + 41 * n
}

/** Manifest bytes besides the stripes: root and layout fields, and the largest envelope. */
const MANIFEST_OVERHEAD = 200 + MAX_ENVELOPE_BYTES + TAG_BYTES

/**
 * The largest file one manifest can describe with these parameters; the upload UI can check
 * a file's size against it before starting.
 */
export function maxPlaintextSize(segmentSize: number, n: number): number {
  const stripes = Math.floor((MAX_MANIFEST_BYTES - MANIFEST_OVERHEAD) / stripeManifestBytes(n))
  return stripes * segmentSize
}

/** Serialises a manifest as a dag-cbor block. Throws ManifestTooLargeError past the block limit. */
export async function encodeManifest(manifest: Manifest): Promise<Block> {
  if (manifest.version !== MANIFEST_VERSION) {
    throw new UnsupportedManifestVersionError(`cannot write manifest version ${manifest.version}`)
  }
  validateLayout(manifest.layout)
  bytes(manifest.envelope, TAG_BYTES + 1, MAX_ENVELOPE_BYTES + TAG_BYTES, 'envelope')
  const encoded = dagCbor.encode(toCbor(manifest))
  if (encoded.length > MAX_MANIFEST_BYTES) {
    throw new ManifestTooLargeError(
      `manifest of ${encoded.length} bytes exceeds ${MAX_MANIFEST_BYTES}; use a larger segment size`,
    )
  }
  return dagCborBlock(encoded)
}

/**
 * Strictly parses manifest bytes from an untrusted source: size limit, canonical dag-cbor,
 * exact field sets, types and ranges. Every failure is an InvalidManifestError or
 * UnsupportedManifestVersionError.
 */
export function parseManifest(data: Uint8Array): Manifest {
  if (!(data instanceof Uint8Array)) fail('manifest: expected bytes')
  if (data.length > MAX_MANIFEST_BYTES) fail(`manifest: more than ${MAX_MANIFEST_BYTES} bytes`)
  let root: unknown
  try {
    root = dagCbor.decode(data)
  } catch (err) {
    fail(`manifest: not dag-cbor (${err instanceof Error ? err.message : 'decode error'})`)
  }
  if (!isPlainMap(root)) fail('manifest: expected a map')
  if (typeof root.v === 'number' && Number.isSafeInteger(root.v) && root.v !== MANIFEST_VERSION) {
    throw new UnsupportedManifestVersionError(`manifest version ${root.v} is not supported`)
  }
  exactKeys(root, ['v', 'layout', 'envelope'], 'manifest')
  uint(root.v, MANIFEST_VERSION, MANIFEST_VERSION, 'manifest.v')
  const rawLayout = root.layout
  if (!isPlainMap(rawLayout)) fail('layout: expected a map')
  exactKeys(rawLayout, ['fileId', 'segmentSize', 'k', 'n', 'segments', 'stripes'], 'layout')
  const rawStripes = rawLayout.stripes
  if (!Array.isArray(rawStripes)) fail('layout.stripes: expected a list')
  const stripes = rawStripes.map((s: unknown, i): StripeLayout => {
    if (!isPlainMap(s)) fail(`layout.stripes[${i}]: expected a map`)
    exactKeys(s, ['length', 'shardSize', 'shards'], `layout.stripes[${i}]`)
    if (!Array.isArray(s.shards)) fail(`layout.stripes[${i}].shards: expected a list`)
    return {
      length: s.length as number,
      shardSize: s.shardSize as number,
      shards: s.shards.map((c: unknown, j) => shardCid(c, `layout.stripes[${i}].shards[${j}]`)),
    }
  })
  const layout: Layout = {
    fileId: rawLayout.fileId as Uint8Array,
    segmentSize: rawLayout.segmentSize as number,
    k: rawLayout.k as number,
    n: rawLayout.n as number,
    segments: rawLayout.segments as number,
    stripes,
  }
  validateLayout(layout)
  const envelope = bytes(root.envelope, TAG_BYTES + 1, MAX_ENVELOPE_BYTES + TAG_BYTES, 'envelope')
  const manifest: Manifest = { version: MANIFEST_VERSION, layout, envelope }
  // One manifest, one byte string: anything the encoder would not produce is refused.
  if (!equals(dagCbor.encode(toCbor(manifest)), data)) fail('manifest: not in canonical form')
  return manifest
}

/** Parses a manifest fetched under `cid`, refusing bytes that do not hash to it. */
export async function parseManifestBlock(cid: CID, data: Uint8Array): Promise<Manifest> {
  if (cid.code !== dagCbor.code) fail('manifest CID is not dag-cbor')
  // Refuse oversized answers before spending time hashing them.
  if (data.length > MAX_MANIFEST_BYTES) fail(`manifest: more than ${MAX_MANIFEST_BYTES} bytes`)
  if (!(await blockMatches(cid, data))) {
    throw new BlockMismatchError(`manifest bytes do not hash to ${cid.toString()}`)
  }
  return parseManifest(data)
}

function envelopeFail(message: string): never {
  throw new InvalidEnvelopeError(message)
}

export function validateEnvelope(env: Envelope): void {
  if (typeof env.name !== 'string' || utf8(env.name).length > MAX_NAME_BYTES) {
    envelopeFail(`envelope.name: expected a string of at most ${MAX_NAME_BYTES} UTF-8 bytes`)
  }
  if (
    typeof env.type !== 'string' ||
    env.type.length > MAX_MEDIA_TYPE_LENGTH ||
    !/^[\x20-\x7e]*$/.test(env.type)
  ) {
    envelopeFail(`envelope.type: expected printable ASCII, at most ${MAX_MEDIA_TYPE_LENGTH}`)
  }
  for (const [field, value] of [
    ['size', env.size],
    ['created', env.created],
  ] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      envelopeFail(`envelope.${field}: expected a non-negative integer`)
    }
  }
  if (!(env.sha256 instanceof Uint8Array) || env.sha256.length !== 32) {
    envelopeFail('envelope.sha256: expected 32 bytes')
  }
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  validateEnvelope(env)
  const out = dagCbor.encode({
    name: env.name,
    type: env.type,
    size: env.size,
    sha256: env.sha256,
    created: env.created,
  })
  if (out.length > MAX_ENVELOPE_BYTES) envelopeFail('envelope: too large')
  return out
}

export function parseEnvelope(data: Uint8Array): Envelope {
  if (data.length > MAX_ENVELOPE_BYTES) envelopeFail('envelope: too large')
  let root: unknown
  try {
    root = dagCbor.decode(data)
  } catch {
    envelopeFail('envelope: not dag-cbor')
  }
  if (!isPlainMap(root)) envelopeFail('envelope: expected a map')
  const keys = ['name', 'type', 'size', 'sha256', 'created']
  if (Object.keys(root).length !== keys.length || !keys.every((k) => Object.hasOwn(root, k))) {
    envelopeFail(`envelope: expected exactly the fields ${keys.join(', ')}`)
  }
  const env = root as unknown as Envelope
  validateEnvelope(env)
  if (!equals(encodeEnvelope(env), data)) envelopeFail('envelope: not in canonical form')
  return {
    name: env.name,
    type: env.type,
    size: env.size,
    sha256: env.sha256,
    created: env.created,
  }
}

export async function sealManifestEnvelope(
  key: Uint8Array,
  fileId: Uint8Array,
  env: Envelope,
): Promise<Uint8Array> {
  return sealEnvelope(await importFileKey(key), fileId, encodeEnvelope(env))
}

/**
 * Reads the private metadata (name, type, size) before downloading anything else.
 * `manifest` may be raw bytes (then strictly parsed) or an already parsed Manifest.
 * Throws WrongKeyError when the key does not open the envelope.
 */
export async function openManifest(
  manifest: Uint8Array | Manifest,
  key: Uint8Array,
  options: { cid?: CID; signal?: AbortSignal } = {},
): Promise<OpenedManifest> {
  options.signal?.throwIfAborted()
  let parsed: Manifest
  if (manifest instanceof Uint8Array) {
    parsed = options.cid ? await parseManifestBlock(options.cid, manifest) : parseManifest(manifest)
  } else {
    parsed = manifest
  }
  const cryptoKey = await importFileKey(key)
  const sealed = await openEnvelope(cryptoKey, parsed.layout.fileId, parsed.envelope)
  let envelope: Envelope
  try {
    envelope = parseEnvelope(sealed)
  } catch (err) {
    if (err instanceof CoreError) throw err
    throw new InvalidEnvelopeError('envelope: malformed')
  }
  if (envelope.size !== plaintextSize(parsed.layout)) {
    throw new InvalidEnvelopeError('envelope size disagrees with the layout')
  }
  const opened: OpenedManifest = { manifest: parsed, envelope, key }
  if (options.cid) opened.cid = options.cid
  return opened
}
