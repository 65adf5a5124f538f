import { describe, expect, it } from 'vitest'
import { fileAvailability } from '../../src/core/availability/index.ts'
import { placeByUptime } from '../../src/core/placement/index.ts'
import {
  estimateUptime,
  recordPresence,
  summarizePresence,
  type Interval,
} from '../../src/core/presence/index.ts'
import { EventQueue } from '../sim/heap.ts'
import { inWindow, predictAvailability, slotName } from '../sim/model.ts'
import { prng } from '../sim/prng.ts'

const DAY = 24 * 3600_000

/** A month of presence as a node would log it: daily sessions of `hours` from `phase`. */
function month(phaseH: number, hours: number): Interval[] {
  let ivs: Interval[] = []
  for (let d = 0; d < 30; d++) {
    const start = d * DAY + phaseH * 3600_000
    ivs = recordPresence(ivs, start, start + hours * 3600_000)
  }
  return ivs
}

describe('the app and the simulator agree on availability', () => {
  // Two keepers up all month, six members with sessions of various lengths.
  const sessions: Array<[number, number]> = [
    [0, 24],
    [0, 24],
    [8, 7],
    [20, 3],
    [9, 10],
    [12, 1],
    [7, 12],
    [18, 5],
  ]
  const now = 30 * DAY
  const log = {
    watched: [{ start: 0, end: now }],
    online: Object.fromEntries(sessions.map(([p, h], i) => [slotName(i), month(p, h)])),
  }
  const summaries = summarizePresence(log, now)
  const estimates = sessions.map((_, i) =>
    estimateUptime(
      slotName(i),
      summaries.find((s) => s.holder === slotName(i)),
      i < 2,
    ),
  )

  it('the figure the app shows equals the simulator model for the same presence', () => {
    const k = 4
    const candidates = estimates.map((e) => ({
      peerId: e.holder,
      member: e.holder,
      free: 1e9,
      uptime: e.uptime,
    }))
    const placed = placeByUptime({ k, n: 10, key: new Uint8Array([7]), candidates })
    // The app: holders by peer id, uptimes by peer id.
    const app = fileAvailability({
      k,
      stripes: [placed.assignments.map((a) => (a === undefined ? [] : [a]))],
      uptime: Object.fromEntries(estimates.map((e) => [e.holder, e.uptime])),
    }).probability
    // The simulator: holders by slot number, estimates by slot.
    const slots = Int32Array.from(placed.assignments, (a) =>
      a === undefined ? -1 : Number(a.slice(1)),
    )
    const sim = predictAvailability(
      k,
      slots,
      estimates.map((e) => e.uptime),
    )
    expect(sim).toBe(app)
    expect(placed.probability).toBe(app)
  })

  it("the simulator's daily windows are online as often as the model assumes", () => {
    const rand = prng(42)
    const uptimes = [0.99, 0.99, 0.3, 0.3, 0.5, 0.2, 0.4, 0.3]
    const holders = Int32Array.from([0, 0, 1, 1, 2, 3, 4, 5, 6, 7])
    const exact = predictAvailability(4, holders, uptimes)
    let readable = 0
    const trials = 20_000
    for (let t = 0; t < trials; t++) {
      // Fresh phases each trial: the model's "independent at a random moment".
      const up = uptimes.map((u) => inWindow(rand() * DAY, rand() * DAY, u, DAY))
      let c = 0
      for (const h of holders) if (up[h]) c++
      if (c >= 4) readable++
    }
    expect(Math.abs(readable / trials - exact)).toBeLessThan(0.01)
  })
})

describe('simulator helpers', () => {
  it('the event queue pops in time order', () => {
    const q = new EventQueue<number>()
    const rand = prng(1)
    const times = Array.from({ length: 200 }, () => rand())
    times.forEach((t, i) => q.push(t, i))
    const out: number[] = []
    while (q.size > 0) out.push(q.pop().time)
    expect(out).toEqual([...times].sort((a, b) => a - b))
  })
  it('the PRNG is reproducible', () => {
    const a = prng(7)
    const b = prng(7)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
  })
  it('a window wraps around midnight', () => {
    expect(inWindow(1 * 3600_000, 23 * 3600_000, 0.25, DAY)).toBe(true)
    expect(inWindow(6 * 3600_000, 23 * 3600_000, 0.25, DAY)).toBe(false)
  })
})
