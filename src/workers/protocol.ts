import type { DecodeStripeInput, EncodeStripeInput, RebuildShardsInput } from '../core/index.ts'

// Messages between the page and a stripe worker. CIDs travel as bytes: structured clone
// drops class prototypes.

export type WorkerRequest =
  | { id: number; op: 'encode'; input: EncodeStripeInput }
  | { id: number; op: 'decode'; input: DecodeStripeInput }
  | { id: number; op: 'rebuild'; input: RebuildShardsInput }
  /** Feeds one file's hasher; no answer, messages on one port arrive in order. */
  | { id: number; op: 'hash-update'; hasher: number; bytes: Uint8Array }
  /** Like hash-update, but the bytes were moved here and are answered back. */
  | { id: number; op: 'hash-take'; hasher: number; bytes: Uint8Array }
  | { id: number; op: 'hash-digest'; hasher: number }

export interface WireEncodedStripe {
  index: number
  length: number
  shardSize: number
  shards: { cid: Uint8Array; bytes: Uint8Array }[]
}

export type WorkerResponse =
  | { id: number; ok: true; op: 'encode'; result: WireEncodedStripe; plaintext: Uint8Array }
  | { id: number; ok: true; op: 'hash-take'; result: Uint8Array }
  | { id: number; ok: true; op: 'decode'; result: Uint8Array }
  | { id: number; ok: true; op: 'rebuild'; result: Uint8Array[] }
  | { id: number; ok: true; op: 'hash-digest'; result: Uint8Array }
  | { id: number; ok: false; error: { name: string; message: string } }

/** The buffers behind `views`, each once; only buffers a view covers entirely can be moved. */
export function transferables(views: readonly Uint8Array[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>()
  for (const v of views) {
    if (v.buffer instanceof ArrayBuffer) seen.add(v.buffer)
  }
  return [...seen]
}

export function ownsWholeBuffer(view: Uint8Array): boolean {
  return (
    view.buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength
  )
}
