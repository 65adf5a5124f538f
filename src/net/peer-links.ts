import type { Connection } from '@libp2p/interface'
import type { PeerLink } from './types.ts'

/**
 * What this node knows about its link to each co-op member, beyond libp2p's connection list.
 *
 * A WebRTC connection without limits is not proof of a working path: when the dialer gives up
 * while ICE is still checking, the answering side's libp2p still builds a connection over an
 * RTCPeerConnection that never connects (the Peers view then said "direct" for a minute while
 * nothing was connected). So a WebRTC connection counts as direct only once identify has run
 * over it, which needs its data channels to carry bytes both ways.
 */
export class PeerLinks {
  #confirmed = new WeakSet<Connection>()
  #waiters = new Map<Connection, Array<() => void>>()
  /** Peers whose last direct dial failed, and whether TURN was offered then. */
  #failed = new Map<string, { hadTurn: boolean }>()

  /** identify completed over this connection. */
  confirm(connection: Connection): void {
    this.#confirmed.add(connection)
    for (const w of this.#waiters.get(connection) ?? []) w()
    this.#waiters.delete(connection)
    if (this.isDirect(connection)) this.#failed.delete(connection.remotePeer.toString())
  }

  /** Open, without limits, and (for WebRTC) carried bytes; a WebSocket to a keeper is direct as soon as it is open. */
  isDirect(c: Connection): boolean {
    if (c.status !== 'open' || c.limits !== undefined) return false
    return !isWebRTC(c) || this.#confirmed.has(c)
  }

  /** Resolves true once the connection is direct, false if it is not within `ms`. */
  async proven(c: Connection, ms: number): Promise<boolean> {
    if (this.isDirect(c)) return true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      const list = this.#waiters.get(c) ?? []
      list.push(done)
      this.#waiters.set(c, list)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
    })
    this.#waiters.delete(c)
    return this.isDirect(c)
  }

  /** An unlimited WebRTC connection not yet proven by identify. */
  needsProof(c: Connection): boolean {
    return c.limits === undefined && isWebRTC(c) && !this.#confirmed.has(c)
  }

  dialFailed(peer: string, hadTurn: boolean): void {
    this.#failed.set(peer, { hadTurn })
  }

  forget(peer: string): void {
    this.#failed.delete(peer)
  }

  hasFailed(peer: string): boolean {
    return this.#failed.has(peer)
  }

  /**
   * The member-facing state of one peer. A failure is shown until a direct connection works,
   * also while the node tries again, so the view does not flicker between "waiting" and why.
   */
  link(peer: string, connections: Connection[], dialing: boolean): PeerLink {
    const open = connections.filter((c) => c.status === 'open')
    if (open.some((c) => this.isDirect(c))) return 'direct'
    const failed = this.#failed.get(peer)
    if (failed !== undefined) return failed.hadTurn ? 'no-direct-path' : 'needs-turn'
    // An unlimited connection still being proven, or our own dial: ICE is at work.
    if (dialing || open.some((c) => c.limits === undefined)) return 'waiting'
    return open.length > 0 ? 'relayed' : 'waiting'
  }
}

function isWebRTC(c: Connection): boolean {
  return c.remoteAddr.getComponents().some((p) => p.name === 'webrtc')
}
