import { describe, expect, it } from 'vitest'
import { AnnounceSchedule, type MemberLinks } from '../../src/net/announce-schedule.ts'

function clock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

function links(heard: Record<string, number>, direct: Set<string>): MemberLinks {
  return { lastHeard: () => Object.entries(heard), hasDirect: (p) => direct.has(p) }
}

/** Announcements in `ms`, asking once a second as the node's timer does. */
function count(s: AnnounceSchedule, c: ReturnType<typeof clock>, m: MemberLinks, ms: number) {
  let n = 0
  for (let i = 0; i < ms / 1000; i++) {
    c.advance(1000)
    if (s.due(m)) n++
  }
  return n
}

describe('AnnounceSchedule', () => {
  it('announces at the fast rate after start, then stops once every member is direct', () => {
    const c = clock()
    const s = new AnnounceSchedule({ interval: 3000, fastPhase: 30_000, quiet: 65_000, now: c.now })
    const settled = links({ a: c.now(), b: c.now() }, new Set(['a', 'b']))
    expect(count(s, c, settled, 30_000)).toBe(10)
    expect(count(s, c, settled, 60_000)).toBe(0)
  })

  it('stays fast while a member heard lately has no direct connection, and not after it went quiet', () => {
    const c = clock()
    const s = new AnnounceSchedule({ interval: 3000, fastPhase: 10_000, quiet: 20_000, now: c.now })
    const heard = { a: c.now() }
    const m = links(heard, new Set())
    expect(count(s, c, m, 15_000)).toBe(5)
    // Still unsettled after the fast phase: `a` was heard 15 s ago and is not direct.
    expect(count(s, c, m, 3_000)).toBe(1)
    // Not heard for longer than `quiet`: gone, no reason to keep announcing.
    c.advance(5_000)
    expect(count(s, c, m, 30_000)).toBe(0)
  })

  it('a change brings the fast rate back, and a forced announcement goes out at once but not twice', () => {
    const c = clock()
    const s = new AnnounceSchedule({ interval: 3000, fastPhase: 10_000, minGap: 500, now: c.now })
    const m = links({}, new Set())
    count(s, c, m, 20_000)
    expect(count(s, c, m, 10_000)).toBe(0)
    s.hurry()
    expect(count(s, c, m, 9_000)).toBe(3)
    c.advance(2_000)
    expect(s.due(m, true)).toBe(true)
    expect(s.due(m, true)).toBe(false)
    c.advance(600)
    expect(s.due(m, true)).toBe(true)
  })
})
