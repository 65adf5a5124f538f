import { bufferSource, concat, u64be, utf8 } from './bytes.ts'
import { FILE_ID_BYTES, KEY_BYTES, NONCE_BYTES } from './constants.ts'
import { InvalidParametersError, SegmentAuthenticationError, WrongKeyError } from './errors.ts'

// The layout of nonces and associated data is specified in docs/FORMAT.md §3; keep in sync.

const SEGMENT_AAD_LABEL = utf8('coffer/segment/v1')
const ENVELOPE_AAD_LABEL = utf8('coffer/envelope/v1')
/** First nonce byte: a domain so that segment and envelope nonces can never coincide. */
const SEGMENT_DOMAIN = 0x00
const ENVELOPE_DOMAIN = 0x01

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle
}

export async function importFileKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== KEY_BYTES) {
    throw new InvalidParametersError(`a file key is ${KEY_BYTES} bytes, got ${raw.length}`)
  }
  return subtle().importKey('raw', bufferSource(raw), { name: 'AES-GCM' }, false, [
    'encrypt',
    'decrypt',
  ])
}

export function segmentNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES)
  nonce[0] = SEGMENT_DOMAIN
  nonce.set(u64be(index), 4)
  return nonce
}

export function segmentAad(fileId: Uint8Array, index: number, final: boolean): Uint8Array {
  return concat([SEGMENT_AAD_LABEL, fileId, u64be(index), new Uint8Array([final ? 1 : 0])])
}

export function envelopeNonce(): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES)
  nonce[0] = ENVELOPE_DOMAIN
  return nonce
}

export function envelopeAad(fileId: Uint8Array): Uint8Array {
  return concat([ENVELOPE_AAD_LABEL, fileId])
}

function checkFileId(fileId: Uint8Array): void {
  if (fileId.length !== FILE_ID_BYTES) {
    throw new InvalidParametersError(`a file id is ${FILE_ID_BYTES} bytes, got ${fileId.length}`)
  }
}

export async function encryptSegment(
  key: CryptoKey,
  fileId: Uint8Array,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  checkFileId(fileId)
  const ct = await subtle().encrypt(
    {
      name: 'AES-GCM',
      iv: bufferSource(segmentNonce(index)),
      additionalData: bufferSource(segmentAad(fileId, index, final)),
      tagLength: 128,
    },
    key,
    bufferSource(plaintext),
  )
  return new Uint8Array(ct)
}

export async function decryptSegment(
  key: CryptoKey,
  fileId: Uint8Array,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  checkFileId(fileId)
  try {
    const pt = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv: bufferSource(segmentNonce(index)),
        additionalData: bufferSource(segmentAad(fileId, index, final)),
        tagLength: 128,
      },
      key,
      bufferSource(ciphertext),
    )
    return new Uint8Array(pt)
  } catch {
    throw new SegmentAuthenticationError(
      `segment ${index} failed authentication (altered, moved, from another file, or truncated file)`,
    )
  }
}

export async function sealEnvelope(
  key: CryptoKey,
  fileId: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  checkFileId(fileId)
  const ct = await subtle().encrypt(
    {
      name: 'AES-GCM',
      iv: bufferSource(envelopeNonce()),
      additionalData: bufferSource(envelopeAad(fileId)),
      tagLength: 128,
    },
    key,
    bufferSource(plaintext),
  )
  return new Uint8Array(ct)
}

/** The manifest's CID already fixes the sealed bytes, so a failure here means the key is wrong. */
export async function openEnvelope(
  key: CryptoKey,
  fileId: Uint8Array,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  checkFileId(fileId)
  try {
    const pt = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv: bufferSource(envelopeNonce()),
        additionalData: bufferSource(envelopeAad(fileId)),
        tagLength: 128,
      },
      key,
      bufferSource(sealed),
    )
    return new Uint8Array(pt)
  } catch {
    throw new WrongKeyError('this key does not open the file: wrong key or wrong link')
  }
}
