import { toHex } from '../../src/core/bytes.ts'
import {
  applyOps,
  certifyDevice,
  ed25519Signer,
  memberGrant,
  signOp,
  type OpBody,
  type RosterOp,
  type RosterState,
  type Signer,
} from '../../src/core/roster/index.ts'

/** xorshift32: simulations are reproducible from the seed fast-check prints on failure. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!
}

export function shuffle<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** A signer from a small number, so tests can name keys. */
export function signerFrom(n: number): Signer {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n)
  seed[31] = 0x5a
  return ed25519Signer(seed)
}

export function op(
  coop: Uint8Array,
  author: Signer,
  parents: readonly Uint8Array[],
  time: number,
  body: OpBody,
): RosterOp {
  return signOp({ coop, parents, author, time, body })
}

/** An add-member body for `member` with one device, as an admin would sign it. */
export function grantBody(
  coop: Uint8Array,
  member: Signer,
  device: Signer,
  role: 'admin' | 'member' | 'keeper',
): OpBody {
  const cert = certifyDevice(coop, member.publicKey, device, 'laptop')
  return {
    kind: 'add-member',
    grant: memberGrant(coop, member, role, `m-${toHex(member.publicKey).slice(0, 6)}`, [cert]),
    invite: null,
  }
}

/** A comparable, printable form of a roster state. */
export function snapshot(state: RosterState): string {
  return JSON.stringify(state, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))
}

export function stateOf(coop: Uint8Array, ops: readonly RosterOp[]): RosterState {
  return applyOps(coop, ops)
}

export function memberKeys(state: RosterState): string[] {
  return state.members.map((m) => toHex(m.key))
}
