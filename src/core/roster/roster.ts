import { equals } from '../bytes.ts'
import { hex } from './codec.ts'
import { DEFAULT_CLOCK_SKEW_MS, MAX_ROSTER_OPS } from './constants.ts'
import { applyOps, type Member, type RosterState } from './apply-ops.ts'
import { OpFromTheFutureError, RosterFullError, WrongCoopError } from './errors.ts'
import { deviceKeyFromPeerId } from './keys.ts'
import { decodeOp, type RosterOp } from './op.ts'

export interface RosterInit {
  /** The co-op id (34 bytes) this roster belongs to; ops of any other co-op are refused. */
  coop: Uint8Array
  /** Defaults to MAX_ROSTER_OPS. */
  maxOps?: number
}

/**
 * The op set one peer holds and the roster it defines. Storage and exchange live elsewhere:
 * feed it the bytes you load or receive, read `state`, send `ops()` the other side lacks.
 */
export class Roster {
  readonly coop: Uint8Array
  readonly #maxOps: number
  readonly #ops = new Map<string, RosterOp>()
  #state: RosterState | null = null

  constructor(init: RosterInit) {
    this.coop = init.coop
    this.#maxOps = init.maxOps ?? MAX_ROSTER_OPS
  }

  /**
   * Adds one op (bytes are decoded and checked first). Returns false for an op already held.
   * Throws the decoder's typed errors, WrongCoopError or RosterFullError; an op that is
   * well-signed but not allowed is kept and shows up in `state.rejected`.
   */
  add(data: Uint8Array | RosterOp): boolean {
    const op = data instanceof Uint8Array ? decodeOp(data) : data
    if (!equals(op.coop, this.coop)) throw new WrongCoopError('the op belongs to another co-op')
    const id = hex(op.id)
    if (this.#ops.has(id)) return false
    if (this.#ops.size >= this.#maxOps) {
      throw new RosterFullError(`the roster holds ${this.#maxOps} ops already`)
    }
    this.#ops.set(id, op)
    this.#state = null
    return true
  }

  has(id: Uint8Array): boolean {
    return this.#ops.has(hex(id))
  }

  get size(): number {
    return this.#ops.size
  }

  get state(): RosterState {
    this.#state ??= applyOps(this.coop, this.#ops.values())
    return this.#state
  }

  /** Every op held, in no particular order. */
  ops(): RosterOp[] {
    return [...this.#ops.values()]
  }

  /** Parents named by held ops but not held: what to ask a peer for. */
  missing(): Uint8Array[] {
    const out = new Map<string, Uint8Array>()
    for (const op of this.#ops.values()) {
      for (const p of op.parents) if (!this.#ops.has(hex(p))) out.set(hex(p), p)
    }
    return [...out.values()]
  }
}

/** The current member a libp2p peer id is a device of, if any: the handshake's question. */
export function memberOfPeer(state: RosterState, peerId: string): Member | undefined {
  let key: Uint8Array
  try {
    key = deviceKeyFromPeerId(peerId)
  } catch {
    // A peer id of another key type or shape can never be a device in the roster.
    return undefined
  }
  return state.members.find((m) => m.devices.some((d) => equals(d.key, key)))
}

export function memberByKey(state: RosterState, key: Uint8Array): Member | undefined {
  return state.members.find((m) => equals(m.key, key))
}

/**
 * A receiver's local admission rule, outside the convergence rule: refuse (for now) an op whose
 * claimed time is ahead of this clock by more than `skewMs`, so expiry cannot be dodged by
 * post-dating. An honest peer re-offers the op later, so this never splits honest members.
 */
export function checkOpTime(op: RosterOp, now: number, skewMs = DEFAULT_CLOCK_SKEW_MS): void {
  if (op.time > now + skewMs) {
    throw new OpFromTheFutureError(`the op claims a time ${op.time - now} ms in the future`)
  }
}
