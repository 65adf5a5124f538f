import { decodeStripe, encodeStripe, rebuildShards, Sha256 } from '../core/index.ts'
import { transferables, type WorkerRequest, type WorkerResponse } from './protocol.ts'

const hashers = new Map<number, Sha256>()

/**
 * The work a stripe worker does for one request, kept apart from `self` so that it can be
 * exercised in Node by a fake worker.
 */
export async function handleRequest(
  request: WorkerRequest,
): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] } | undefined> {
  try {
    if (request.op === 'hash-update' || request.op === 'hash-take') {
      let sha = hashers.get(request.hasher)
      if (!sha) hashers.set(request.hasher, (sha = new Sha256()))
      sha.update(request.bytes)
      if (request.op === 'hash-update') return undefined
      return {
        response: { id: request.id, ok: true, op: 'hash-take', result: request.bytes },
        transfer: transferables([request.bytes]),
      }
    }
    if (request.op === 'hash-digest') {
      const sha = hashers.get(request.hasher) ?? new Sha256()
      hashers.delete(request.hasher)
      const digest = await sha.digest()
      return {
        response: { id: request.id, ok: true, op: 'hash-digest', result: digest },
        transfer: [],
      }
    }
    if (request.op === 'encode') {
      const { plaintext, ...stripe } = await encodeStripe(request.input)
      const shards = stripe.shards.map((s) => ({ cid: s.cid.bytes, bytes: s.bytes }))
      // Data shards are views of the ciphertext, parity shards of one buffer of their own: all
      // made here, so all can be moved rather than copied. The plaintext goes back for reuse.
      return {
        response: {
          id: request.id,
          ok: true,
          op: 'encode',
          result: { ...stripe, shards },
          plaintext,
        },
        transfer: transferables([...shards.map((s) => s.bytes), plaintext]),
      }
    }
    if (request.op === 'rebuild') {
      const result = rebuildShards(request.input)
      return {
        response: { id: request.id, ok: true, op: 'rebuild', result },
        transfer: transferables(result),
      }
    }
    const plaintext = await decodeStripe(request.input)
    return {
      response: { id: request.id, ok: true, op: 'decode', result: plaintext },
      transfer: transferables([plaintext]),
    }
  } catch (err) {
    const error =
      err instanceof Error
        ? { name: err.name, message: err.message }
        : { name: 'Error', message: String(err) }
    return { response: { id: request.id, ok: false, error }, transfer: [] }
  }
}
