import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import {
  encodeFile,
  type Block,
  type BlockSource,
  type EncodeFileOptions,
  type ManifestEvent,
  type StripeEvent,
} from '../../src/core/index.ts'

/** A stream that hands out `data` in chunks of varying sizes, as File.stream() would. */
/**
 * `data` in uneven chunks. `bytes: true` makes a byte stream (as `File.stream()` is), which the
 * segmenter reads with a BYOB reader straight into its own buffers.
 */
export function streamOf(
  data: Uint8Array,
  chunk = 7919,
  { bytes = false } = {},
): ReadableStream<Uint8Array> {
  let offset = 0
  const next = (): Uint8Array<ArrayBuffer> | undefined => {
    if (offset >= data.length) return undefined
    const take = Math.max(1, Math.min(chunk - (offset % 13), data.length - offset))
    offset += take
    return data.slice(offset - take, offset)
  }
  if (bytes) {
    const byteStream = new ReadableStream({
      type: 'bytes',
      pull(controller) {
        const part = next()
        if (part) return controller.enqueue(part)
        controller.close()
        // A reader waiting with its own buffer gets it back only through respond(0).
        controller.byobRequest?.respond(0)
      },
    })
    return byteStream
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = next()
      if (part) controller.enqueue(part)
      else controller.close()
    },
  })
}

export function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value)
  }
  return Buffer.concat(parts)
}

export function sha256hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export class MemorySource implements BlockSource {
  readonly blocks = new Map<string, Uint8Array>()
  readonly requests: string[] = []
  put(block: Block): void {
    this.blocks.set(block.cid.toString(), block.bytes)
  }
  get(cid: CID, _options?: { signal: AbortSignal }): Promise<Uint8Array> {
    this.requests.push(cid.toString())
    const bytes = this.blocks.get(cid.toString())
    return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`missing ${cid.toString()}`))
  }
}

export interface Encoded {
  stripes: StripeEvent[]
  final: ManifestEvent
  source: MemorySource
}

export async function encodeAll(
  data: Uint8Array,
  options: EncodeFileOptions = {},
  meta = { name: 'file.bin', type: 'application/octet-stream' },
  input: ReadableStream<Uint8Array> = streamOf(data),
): Promise<Encoded> {
  const stripes: StripeEvent[] = []
  let final: ManifestEvent | undefined
  const source = new MemorySource()
  for await (const event of encodeFile(input, meta, options)) {
    if (event.type === 'stripe') {
      stripes.push(event)
      event.shards.forEach((s) => source.put(s))
    } else {
      final = event
      source.put(event.block)
    }
  }
  if (!final) throw new Error('no manifest')
  return { stripes, final, source }
}
