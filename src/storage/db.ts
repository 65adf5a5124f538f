import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

export const DB_NAME = 'coffer'

/**
 * Coffer's own IndexedDB database (shard bytes live apart, in blockstore-idb).
 * Bump DB_VERSION and append to MIGRATIONS; never edit a migration that has shipped.
 */
export interface CofferDB extends DBSchema {
  /** Device-level secrets and settings, keyed by name (e.g. 'peer-key' → protobuf private key). */
  kv: { key: string; value: unknown }
  /** Blocks this device keeps for other members, per local peer (one per open tab slot). */
  holdings: {
    key: [holder: string, cid: string]
    value: HoldingRecord
    indexes: { 'by-holder': string }
  }
  /** How each holder of my shards fared in audits (src/engine/audit), one record per holder. */
  audits: {
    key: string
    value: HolderAudit
  }
  /** When each holder of my shards was last connected (lazy repair's clock). */
  seen: {
    key: string
    value: HolderSeen
  }
  /** Receipts for the shards of my files, one per (shard, holder). */
  receipts: {
    key: [shard: string, holder: string]
    value: ReceiptRecord
    indexes: { 'by-file': string; 'by-shard': string }
  }
  /** My files, on the owner's device only (they carry the file key). */
  files: {
    key: string
    value: FileRecord
    indexes: { 'by-state': FileState }
  }
  /** Stripes of an upload already encoded and placed, so Resume can skip them. */
  journal: {
    key: [fileId: string, stripe: number]
    value: JournalStripe
    indexes: { 'by-file': string }
  }
}

/** A block kept for others. `owners` lists every member who stored it (usually one). */
export interface HoldingRecord {
  holder: string
  cid: string
  owners: string[]
  size: number
  storedAt: number
}

export interface ReceiptRecord {
  /** Local id of my file (FileRecord.id). */
  file: string
  shard: string
  holder: string
  size: number
  /** Holder's clock, ms since the epoch, as signed. */
  time: number
  /** The holder's signature over the receipt's signing bytes (docs/FORMAT.md). */
  signature: Uint8Array
}

export type FileState = 'uploading' | 'interrupted' | 'complete'

export interface FileRecord {
  /** Random local id, known before the manifest exists. */
  id: string
  /** Peer id that stored the shards and signs deletes (differs per tab slot). */
  owner: string
  /** CID of the manifest block once the upload completed. */
  manifestCid?: string
  /** The 32-byte file key, raw: it only ever lives on the owner's device and in share links. */
  key: Uint8Array
  name: string
  size: number
  type: string
  createdAt: number
  state: FileState
  k: number
  n: number
  segmentSize: number
}

export interface HolderAudit {
  holder: string
  /** Shards it sent intact when audited. */
  passed: number
  /** Shards it no longer had, or sent altered. */
  failed: number
  /** When it was last asked (ms since the epoch), and when it last failed. */
  lastAudit: number
  lastFailure?: number
}

export interface HolderSeen {
  peer: string
  /** Ms since the epoch: last time it was connected, or when this device first counted it. */
  lastSeen: number
}

export interface JournalStripe {
  fileId: string
  stripe: number
  /** The stripe's n shards in order; holders are read from the receipts. */
  shards: Array<{ cid: string; size: number }>
}

type Migration = (db: IDBPDatabase<CofferDB>) => void

const MIGRATIONS: Migration[] = [
  // 1: key/value store for the peer identity and device settings.
  (db) => {
    db.createObjectStore('kv')
  },
  // 2: holdings for others, my receipts, my files and the upload journal.
  (db) => {
    const holdings = db.createObjectStore('holdings', { keyPath: ['holder', 'cid'] })
    holdings.createIndex('by-holder', 'holder')
    const receipts = db.createObjectStore('receipts', { keyPath: ['shard', 'holder'] })
    receipts.createIndex('by-file', 'file')
    receipts.createIndex('by-shard', 'shard')
    const files = db.createObjectStore('files', { keyPath: 'id' })
    files.createIndex('by-state', 'state')
    const journal = db.createObjectStore('journal', { keyPath: ['fileId', 'stripe'] })
    journal.createIndex('by-file', 'fileId')
  },
  // 3: audit results per holder, and when each holder was last connected.
  (db) => {
    db.createObjectStore('audits', { keyPath: 'holder' })
    db.createObjectStore('seen', { keyPath: 'peer' })
  },
]

export const DB_VERSION = MIGRATIONS.length

export function openCofferDB(name = DB_NAME): Promise<IDBPDatabase<CofferDB>> {
  return openDB<CofferDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      for (let v = oldVersion; v < MIGRATIONS.length; v++) MIGRATIONS[v]?.(db)
    },
  })
}
