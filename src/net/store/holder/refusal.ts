import type { PeerId } from '@libp2p/interface'
import {
  MAX_ERROR_MESSAGE_LENGTH,
  type ErrorCode,
  type StoreProtocolResponse,
} from '../../../core/protocol/index.ts'
import { sameBytes } from '../keys.ts'

/** An error answer; the message is cut to what the wire allows. */
export function refusal(code: ErrorCode, message: string): StoreProtocolResponse {
  return { type: 'error', code, message: message.slice(0, MAX_ERROR_MESSAGE_LENGTH) }
}

/** A holder keeps blocks only for the peer that asks: the `owner` field must name it. */
export function notOwner(owner: Uint8Array, remote: PeerId): StoreProtocolResponse | undefined {
  if (sameBytes(owner, remote.toMultihash().bytes)) return undefined
  return refusal('NOT_OWNER', 'owner must be the peer that sends the request')
}

/** A block larger than this holder accepts from others. */
export function tooLarge(size: number, maxBlockBytes: number): StoreProtocolResponse | undefined {
  if (size <= maxBlockBytes) return undefined
  return refusal('TOO_LARGE', `block of ${size} bytes exceeds ${maxBlockBytes}`)
}
