import { logger } from '@libp2p/logger'
import type { CID } from 'multiformats/cid'
import type { BlockSource } from '../../core/index.ts'
import { CorruptBlockError } from '../../net/exchange/errors.ts'
import { BlockNotFoundError } from '../../net/fetch/errors.ts'
import { NoHolderError } from '../../net/store/errors.ts'
import { MAX_CIDS_PER_MESSAGE } from '../../core/protocol/index.ts'
import { DEFAULT_REDIAL_MS } from './constants.ts'

const log = logger('coffer:engine:download')

/**
 * What the download engine needs from a node: a member's co-op node and a share-link guest
 * both provide it (src/engine/download/download-network.ts), and unit tests pass an in-memory one.
 */
export interface DownloadNetwork {
  /** Peers with an open direct (unlimited) connection right now. */
  directPeers(): string[]
  /** The block, already checked against `cid` (CorruptBlockError when it does not match). */
  fetch(peer: string, cid: CID, options: { signal: AbortSignal }): Promise<Uint8Array>
  whoHas(peer: string, cids: CID[], options: { signal: AbortSignal }): Promise<boolean[]>
  /** Opens a direct connection to `peer` (through a relay); rejects when it cannot. */
  connect?(peer: string, options: { signal: AbortSignal }): Promise<void>
  /** Calls `listener` when peers connect or go away; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
}

/**
 * Who holds which block, and the choice of holder per request: connected holders first, the
 * least busy one first, so the shards of a stripe come over different connections at once.
 */
export class HolderBook {
  readonly #network: DownloadNetwork
  readonly #byCid = new Map<string, Set<string>>()
  /** Per peer, the CIDs it was asked about (`has`) since it last connected. */
  readonly #asked = new Map<string, Set<string>>()
  readonly #bad = new Set<string>()
  readonly #known = new Set<string>()
  readonly #busy = new Map<string, number>()
  readonly #failedAt = new Map<string, number>()
  readonly #connecting = new Map<string, Promise<boolean>>()
  readonly #redialMs: number
  readonly #onBadPeer: ((peer: string, cid: CID) => void) | undefined

  constructor(
    network: DownloadNetwork,
    options: { redialMs?: number; onBadPeer?: (peer: string, cid: CID) => void } = {},
  ) {
    this.#network = network
    this.#redialMs = options.redialMs ?? DEFAULT_REDIAL_MS
    this.#onBadPeer = options.onBadPeer
  }

  /** Peers caught serving bad bytes. */
  get badPeers(): string[] {
    return [...this.#bad]
  }

  add(cid: string, peer: string): void {
    let set = this.#byCid.get(cid)
    if (set === undefined) this.#byCid.set(cid, (set = new Set()))
    set.add(peer)
    this.#known.add(peer)
  }

  addPeers(peers: Iterable<string>): void {
    for (const p of peers) this.#known.add(p)
  }

  holders(cid: string): string[] {
    return [...(this.#byCid.get(cid) ?? [])]
  }

  /** Most shards of `cids` any one known holder has: how much one returning holder brings. */
  mostHeldByOne(cids: CID[]): number {
    const counts = new Map<string, number>()
    for (const c of cids) {
      for (const p of this.#byCid.get(c.toString()) ?? []) counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    return Math.max(1, ...counts.values())
  }

  /** A connected, trusted holder of `cid` exists right now. */
  reachable(cid: string, direct: Set<string>): boolean {
    for (const p of this.#byCid.get(cid) ?? []) {
      if (direct.has(p) && !this.#bad.has(p)) return true
    }
    return false
  }

  /** Asks every connected peer which of `cids` it has (what it was not asked already). */
  async discover(cids: CID[], signal: AbortSignal): Promise<void> {
    const direct = this.#network.directPeers()
    for (const p of [...this.#asked.keys()]) if (!direct.includes(p)) this.#asked.delete(p)
    await Promise.all(
      direct
        .filter((p) => !this.#bad.has(p))
        .map(async (peer) => {
          const asked = this.#asked.get(peer) ?? new Set<string>()
          const fresh = cids.filter((c) => !asked.has(c.toString()))
          try {
            for (let i = 0; i < fresh.length; i += MAX_CIDS_PER_MESSAGE) {
              const batch = fresh.slice(i, i + MAX_CIDS_PER_MESSAGE)
              const have = await this.#network.whoHas(peer, batch, { signal })
              have.forEach((yes, j) => {
                const cid = batch[j]!.toString()
                asked.add(cid)
                if (yes) this.add(cid, peer)
              })
            }
            this.#asked.set(peer, asked)
          } catch (err) {
            // Not a Coffer peer, or gone: asked again when it reconnects.
            log('has at %s failed: %s', peer, err)
          }
        }),
    )
    signal.throwIfAborted()
  }

  /** Some known, trusted peer is not connected directly. */
  unreached(): boolean {
    const direct = new Set(this.#network.directPeers())
    return [...this.#known].some((p) => !direct.has(p) && !this.#bad.has(p))
  }

  /** Dials the known peers that are not connected (each at most once per redial period). */
  async connectKnown(signal: AbortSignal): Promise<void> {
    if (this.#network.connect === undefined) return
    const direct = new Set(this.#network.directPeers())
    const dials = [...this.#known]
      .filter((p) => !direct.has(p) && !this.#bad.has(p))
      .map((p) => this.#connect(p, signal))
    await Promise.all(dials)
    signal.throwIfAborted()
  }

  #connect(peer: string, signal: AbortSignal): Promise<boolean> {
    const network = this.#network
    if (network.connect === undefined) return Promise.resolve(false)
    const pending = this.#connecting.get(peer)
    if (pending) return pending
    const failedAt = this.#failedAt.get(peer)
    if (failedAt !== undefined && Date.now() - failedAt < this.#redialMs) {
      return Promise.resolve(false)
    }
    const p = network
      .connect(peer, { signal })
      .then(
        () => {
          this.#failedAt.delete(peer)
          return true
        },
        () => {
          this.#failedAt.set(peer, Date.now())
          return false
        },
      )
      .finally(() => this.#connecting.delete(peer))
    this.#connecting.set(peer, p)
    return p
  }

  /** The block source the decoder pulls from. */
  source(): BlockSource {
    return {
      get: async (cid, { signal }) => {
        const key = cid.toString()
        const tried = new Set<string>()
        const errors: unknown[] = []
        for (;;) {
          signal.throwIfAborted()
          const direct = new Set(this.#network.directPeers())
          const options = this.holders(key).filter((p) => !this.#bad.has(p) && !tried.has(p))
          let peer = options
            .filter((p) => direct.has(p))
            .sort((a, b) => (this.#busy.get(a) ?? 0) - (this.#busy.get(b) ?? 0))[0]
          if (peer === undefined) {
            for (const p of options) {
              tried.add(p)
              if (await this.#connect(p, signal)) {
                peer = p
                break
              }
            }
          }
          if (peer === undefined) {
            throw new NoHolderError(`no reachable holder has ${key}`, { cause: errors })
          }
          tried.add(peer)
          this.#busy.set(peer, (this.#busy.get(peer) ?? 0) + 1)
          try {
            return await this.#network.fetch(peer, cid, { signal })
          } catch (err) {
            signal.throwIfAborted()
            errors.push(err)
            if (err instanceof CorruptBlockError) {
              this.#bad.add(peer)
              try {
                this.#onBadPeer?.(peer, cid)
              } catch (reportError) {
                // A failing listener must not stop the download it reports on.
                log('onBadPeer listener threw: %s', reportError)
              }
            } else if (err instanceof BlockNotFoundError) {
              this.#byCid.get(key)?.delete(peer)
            }
          } finally {
            this.#busy.set(peer, (this.#busy.get(peer) ?? 1) - 1)
          }
        }
      },
    }
  }
}
