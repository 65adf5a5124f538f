import { decodeStripe, encodeStripe } from '../core/index.ts'
import { transferables, type WorkerRequest, type WorkerResponse } from './protocol.ts'

/**
 * The work a stripe worker does for one request, kept apart from `self` so that it can be
 * exercised in Node by a fake worker.
 */
export async function handleRequest(
  request: WorkerRequest,
): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] }> {
  try {
    if (request.op === 'encode') {
      const stripe = await encodeStripe(request.input)
      const shards = stripe.shards.map((s) => ({ cid: s.cid.bytes, bytes: s.bytes }))
      // Data shards share one padded buffer and parity shards have their own: all freshly
      // made here, so all can be moved rather than copied.
      return {
        response: { id: request.id, ok: true, op: 'encode', result: { ...stripe, shards } },
        transfer: transferables(shards.map((s) => s.bytes)),
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
