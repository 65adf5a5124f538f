import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { DELETE_DOMAIN, RECEIPT_DOMAIN } from './constants.ts'

const encoder = new TextEncoder()

function withDomain(domain: string, body: Uint8Array): Uint8Array {
  const d = encoder.encode(domain)
  const out = new Uint8Array(d.length + 1 + body.length)
  out.set(d, 0)
  out.set(body, d.length + 1)
  return out
}

/** The bytes a holder signs for a receipt: "coffer/receipt/1" ‖ 0x00 ‖ dag-cbor [cid, size, holder, time]. */
export function receiptSigningBytes(r: {
  cid: CID
  size: number
  holder: Uint8Array
  time: number
}): Uint8Array {
  return withDomain(RECEIPT_DOMAIN, dagCbor.encode([r.cid, r.size, r.holder, r.time]))
}

/** The bytes an owner signs for a delete: "coffer/delete/1" ‖ 0x00 ‖ dag-cbor [cids, owner, holder, time]. */
export function deleteSigningBytes(d: {
  cids: CID[]
  owner: Uint8Array
  holder: Uint8Array
  time: number
}): Uint8Array {
  return withDomain(DELETE_DOMAIN, dagCbor.encode([d.cids, d.owner, d.holder, d.time]))
}
