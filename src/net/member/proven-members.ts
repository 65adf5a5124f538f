import type { PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from 'main-event'
import { PENDING_PROOF_WAIT_MS } from './constants.ts'

/** What the holder's request handlers ask: has this peer proven it holds the co-op secret? */
export interface MembershipCheck {
  /** True once `peer` proved membership on an open connection; waits for a running handshake. */
  isMember(peer: PeerId, options?: { signal?: AbortSignal }): Promise<boolean>
  /** The same without waiting. */
  isProven(peer: PeerId | string): boolean
}

export interface ProvenMembersEvents {
  /** A peer became proven, or lost its last proven connection. */
  change: CustomEvent<void>
}

/**
 * Per node: the peers that proved membership, by the connections they proved it on. A proof
 * lasts as long as the connection it was made on; the peer is a member while one is open.
 */
export class ProvenMembers
  extends TypedEventEmitter<ProvenMembersEvents>
  implements MembershipCheck
{
  readonly #proven = new Map<string, Set<string>>()
  readonly #pending = new Map<string, Set<Promise<boolean>>>()

  isProven(peer: PeerId | string): boolean {
    return (this.#proven.get(peer.toString())?.size ?? 0) > 0
  }

  async isMember(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.isProven(peer)) return true
    const pending = this.#pending.get(peer.toString())
    if (pending === undefined || pending.size === 0) return false
    const limit = AbortSignal.timeout(PENDING_PROOF_WAIT_MS)
    const signal = options.signal === undefined ? limit : AbortSignal.any([options.signal, limit])
    const aborted = new Promise<boolean>((resolve) => {
      if (signal.aborted) resolve(false)
      signal.addEventListener('abort', () => resolve(false), { once: true })
    })
    await Promise.race([Promise.allSettled([...pending]), aborted])
    return this.isProven(peer)
  }

  /** A handshake with `peer` is running. */
  isPending(peer: PeerId | string): boolean {
    return (this.#pending.get(peer.toString())?.size ?? 0) > 0
  }

  /** Proven peers, as strings. */
  list(): string[] {
    return [...this.#proven.keys()]
  }

  /** Lets `isMember` wait for this handshake with `peer` to end. */
  track(peer: PeerId, handshake: Promise<boolean>): void {
    const key = peer.toString()
    let set = this.#pending.get(key)
    if (set === undefined) this.#pending.set(key, (set = new Set()))
    set.add(handshake)
    void handshake.finally(() => {
      set.delete(handshake)
      if (set.size === 0 && this.#pending.get(key) === set) this.#pending.delete(key)
    })
  }

  add(peer: PeerId, connectionId: string): void {
    const key = peer.toString()
    let set = this.#proven.get(key)
    const fresh = set === undefined
    if (set === undefined) this.#proven.set(key, (set = new Set()))
    set.add(connectionId)
    if (fresh) this.safeDispatchEvent('change')
  }

  /** The connection closed: its proof goes with it. */
  drop(peer: PeerId, connectionId: string): void {
    const key = peer.toString()
    const set = this.#proven.get(key)
    if (set?.delete(connectionId) !== true) return
    if (set.size === 0) {
      this.#proven.delete(key)
      this.safeDispatchEvent('change')
    }
  }
}
