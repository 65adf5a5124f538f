import { MAX_MESSAGE_BYTES, MAX_VARINT_BYTES } from './constants.ts'
import { InvalidLengthPrefixError, MessageTooLargeError, TruncatedMessageError } from './errors.ts'

/** The length prefix of a `length`-byte message: an unsigned LEB128 varint. */
export function encodeLengthPrefix(length: number, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  if (length > maxBytes)
    throw new MessageTooLargeError(`message of ${length} bytes exceeds ${maxBytes}`)
  const prefix: number[] = []
  let n = length
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    prefix.push(b)
  } while (n > 0)
  return Uint8Array.from(prefix)
}

/** Prefixes `body` with its length as an unsigned LEB128 varint. */
export function encodeFrame(body: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  const prefix = encodeLengthPrefix(body.length, maxBytes)
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix, 0)
  out.set(body, prefix.length)
  return out
}

/**
 * Reassembles one length-prefixed message from chunks as they arrive. The length is checked
 * against the limit as soon as the prefix is complete, before any body byte is buffered.
 */
export class FrameReader {
  readonly #maxBytes: number
  #length = -1
  #prefix: number[] = []
  #body: Uint8Array | undefined
  #filled = 0
  #done = false

  constructor(maxBytes = MAX_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes
  }

  /** Feeds bytes; returns the message once complete. Bytes after the message are an error. */
  push(chunk: Uint8Array): Uint8Array | undefined {
    let i = 0
    if (this.#done) {
      if (chunk.length > 0) throw new MessageTooLargeError('bytes after the end of the message')
      return undefined
    }
    while (this.#length < 0 && i < chunk.length) {
      const b = chunk[i++]!
      this.#prefix.push(b)
      if ((b & 0x80) === 0) {
        if (this.#prefix.length > 1 && b === 0)
          throw new InvalidLengthPrefixError('non-minimal length prefix')
        let len = 0
        for (let j = this.#prefix.length - 1; j >= 0; j--)
          len = len * 128 + (this.#prefix[j]! & 0x7f)
        if (len > this.#maxBytes)
          throw new MessageTooLargeError(`message of ${len} bytes exceeds ${this.#maxBytes}`)
        this.#length = len
        this.#body = new Uint8Array(len)
      } else if (this.#prefix.length >= MAX_VARINT_BYTES) {
        throw new InvalidLengthPrefixError('length prefix too long')
      }
    }
    if (this.#length < 0) return undefined
    const take = Math.min(chunk.length - i, this.#length - this.#filled)
    this.#body!.set(chunk.subarray(i, i + take), this.#filled)
    this.#filled += take
    i += take
    if (i < chunk.length) throw new MessageTooLargeError('bytes after the end of the message')
    if (this.#filled === this.#length) {
      this.#done = true
      return this.#body
    }
    return undefined
  }

  /** Call when the input ended: throws unless a whole message was read. */
  end(): void {
    if (!this.#done) throw new TruncatedMessageError('stream ended before a whole message')
  }
}

/** Decodes a buffer that must hold exactly one frame. */
export function decodeFrame(bytes: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): Uint8Array {
  const reader = new FrameReader(maxBytes)
  const body = reader.push(bytes)
  reader.end()
  return body!
}
