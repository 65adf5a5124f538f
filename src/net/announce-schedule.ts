import { DISCOVERY_FAST_PHASE_MS, DISCOVERY_INTERVAL_MS, MEMBER_QUIET_MS } from './constants.ts'

export interface AnnounceScheduleInit {
  /** Interval while unsettled (default DISCOVERY_INTERVAL_MS). */
  interval?: number
  /** How long a change keeps the fast rate (default DISCOVERY_FAST_PHASE_MS). */
  fastPhase?: number
  /** A member not heard for this long no longer counts (default MEMBER_QUIET_MS). */
  quiet?: number
  /** Forced announcements closer than this are merged into one. */
  minGap?: number
  now?: () => number
}

/** What the schedule needs to know about the members: when each was last heard, and links. */
export interface MemberLinks {
  lastHeard(): Iterable<[peer: string, at: number]>
  hasDirect(peer: string): boolean
}

/**
 * When this node should announce itself beyond the library's slow re-announcements: at the
 * fast rate for a while after starting or after a change (a member appeared or was lost, the
 * network or relay came back), and for as long as a member heard lately has no direct
 * connection, since dials are triggered by hearing an announcement. Settled co-ops stay quiet.
 */
export class AnnounceSchedule {
  readonly #interval: number
  readonly #fastPhase: number
  readonly #quiet: number
  readonly #minGap: number
  readonly #now: () => number
  #fastUntil: number
  #last = Number.NEGATIVE_INFINITY

  constructor(init: AnnounceScheduleInit = {}) {
    this.#interval = init.interval ?? DISCOVERY_INTERVAL_MS
    this.#fastPhase = init.fastPhase ?? DISCOVERY_FAST_PHASE_MS
    this.#quiet = init.quiet ?? MEMBER_QUIET_MS
    this.#minGap = init.minGap ?? 500
    this.#now = init.now ?? Date.now
    this.#fastUntil = this.#now() + this.#fastPhase
  }

  /** Something changed: back to the fast rate for a while. */
  hurry(): void {
    this.#fastUntil = this.#now() + this.#fastPhase
  }

  /**
   * Whether to announce now; a true answer counts as an announcement made. `force` asks for
   * one right away (a newcomer is waiting to hear from us), unless one just went out.
   */
  due(members: MemberLinks, force = false): boolean {
    const now = this.#now()
    const gap = now - this.#last
    if (gap < (force ? this.#minGap : this.#interval)) return false
    if (!force && now >= this.#fastUntil && !this.#unsettled(members, now)) return false
    this.#last = now
    return true
  }

  #unsettled(members: MemberLinks, now: number): boolean {
    for (const [peer, at] of members.lastHeard()) {
      if (now - at < this.#quiet && !members.hasDirect(peer)) return true
    }
    return false
  }
}
