import { hex } from './codec.ts'
import type { RosterOp } from './op.ts'

/** The complete part of an op set in its one deterministic order, with ancestry queries. */
export interface OrderedDag {
  /** Ops whose every ancestor is present, in topological order, ties broken by smallest id. */
  order: RosterOp[]
  /** Ops waiting for a parent that has not arrived (or that is itself waiting). */
  pending: RosterOp[]
  /** Position of each ordered op, by hex id. */
  index: Map<string, number>
  /** Positions of each ordered op's parents. */
  parents: number[][]
  /** True when the op at position `a` is a strict ancestor of the op at position `b`. */
  isAncestor(a: number, b: number): boolean
  /** Ids of ordered ops that no ordered op names as a parent. */
  heads: Uint8Array[]
}

/**
 * Kahn's algorithm over the ops that can be reached from parentless ones; among the ops ready at
 * once the smallest hex id goes first, so every peer holding the same set gets the same order.
 */
export function orderOps(ops: Iterable<RosterOp>): OrderedDag {
  const byId = new Map<string, RosterOp>()
  for (const op of ops) byId.set(hex(op.id), op)
  const children = new Map<string, string[]>()
  const waiting = new Map<string, number>()
  const ready: string[] = []
  for (const [id, op] of byId) {
    waiting.set(id, op.parents.length)
    if (op.parents.length === 0) ready.push(id)
    for (const p of op.parents) {
      const key = hex(p)
      const list = children.get(key)
      if (list === undefined) children.set(key, [id])
      else list.push(id)
    }
  }
  const order: RosterOp[] = []
  const index = new Map<string, number>()
  while (ready.length > 0) {
    let best = 0
    for (let i = 1; i < ready.length; i++) if (ready[i]! < ready[best]!) best = i
    const id = ready[best]!
    ready[best] = ready[ready.length - 1]!
    ready.pop()
    index.set(id, order.length)
    order.push(byId.get(id)!)
    for (const child of children.get(id) ?? []) {
      const left = waiting.get(child)! - 1
      waiting.set(child, left)
      if (left === 0) ready.push(child)
    }
  }
  const pending = [...byId.entries()].filter(([id]) => !index.has(id)).map(([, op]) => op)

  // One bit per earlier op: ancestry of op i is the union over its parents of (parent ∪ its ancestry).
  const words = Math.ceil(order.length / 32)
  const bits = new Uint32Array(words * order.length)
  const hasChild = new Uint8Array(order.length)
  const parents = order.map((op) => op.parents.map((p) => index.get(hex(p))!))
  order.forEach((_, i) => {
    const row = i * words
    for (const j of parents[i]!) {
      hasChild[j] = 1
      const prow = j * words
      for (let w = 0; w < words; w++) bits[row + w] = bits[row + w]! | bits[prow + w]!
      bits[row + (j >>> 5)] = bits[row + (j >>> 5)]! | (1 << (j & 31))
    }
  })
  return {
    order,
    pending,
    index,
    parents,
    isAncestor: (a, b) => (bits[b * words + (a >>> 5)]! & (1 << (a & 31))) !== 0,
    heads: order.filter((_, i) => hasChild[i] === 0).map((op) => op.id),
  }
}
