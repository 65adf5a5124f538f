import { describe, expect, it } from 'vitest'
import {
  decaySummary,
  estimateUptime,
  InvalidIntervalError,
  InvalidSummaryError,
  KEEPER_PRIOR_UPTIME,
  MEMBER_PRIOR_UPTIME,
  mergeSummaries,
  PRESENCE_HALF_LIFE_MS,
  recordPresence,
  summarizePresence,
  type PresenceLog,
} from '../../src/core/presence/index.ts'

const H = 3600_000
const DAY = 24 * H

describe('recordPresence', () => {
  it('keeps intervals sorted and merges touching and overlapping spans', () => {
    let ivs = recordPresence([], 10, 20)
    ivs = recordPresence(ivs, 30, 40)
    ivs = recordPresence(ivs, 0, 5)
    expect(ivs).toEqual([
      { start: 0, end: 5 },
      { start: 10, end: 20 },
      { start: 30, end: 40 },
    ])
    ivs = recordPresence(ivs, 20, 30)
    expect(ivs).toEqual([
      { start: 0, end: 5 },
      { start: 10, end: 40 },
    ])
    expect(recordPresence(ivs, 100, 110).at(-1)).toEqual({ start: 100, end: 110 })
  })
  it('leaves its input alone and refuses reversed or non-finite spans', () => {
    const a = [{ start: 0, end: 1 }]
    recordPresence(a, 0, 5)
    expect(a).toEqual([{ start: 0, end: 1 }])
    expect(() => recordPresence([], 5, 1)).toThrow(InvalidIntervalError)
    expect(() => recordPresence([], 0, Number.NaN)).toThrow(InvalidIntervalError)
  })
})

describe('summarizePresence', () => {
  it('gives the online fraction over watched time, ignoring time nobody watched', () => {
    const log: PresenceLog = {
      watched: [{ start: 0, end: 10 * H }],
      // Online 20 h, but only 5 h of it inside watched time.
      online: { a: [{ start: 5 * H, end: 25 * H }] },
    }
    const [s] = summarizePresence(log, 10 * H, 1e15)
    expect(s!.holder).toBe('a')
    expect(s!.online / s!.watched).toBeCloseTo(0.5, 6)
  })
  it('weighs recent time more: an hour a half-life ago counts half', () => {
    const now = 10 * DAY
    const old = { start: now - PRESENCE_HALF_LIFE_MS - H / 1000, end: now - PRESENCE_HALF_LIFE_MS }
    const recent = { start: now - H / 1000, end: now }
    const [a] = summarizePresence({ watched: [old, recent], online: { x: [old] } }, now)
    expect(a!.online / (a!.watched - a!.online)).toBeCloseTo(0.5, 3)
    expect(() => summarizePresence({ watched: [], online: {} }, 0, 0)).toThrow(InvalidIntervalError)
  })
  it('ignores time after now', () => {
    const [s] = summarizePresence(
      { watched: [{ start: 0, end: 2 * H }], online: { a: [{ start: H, end: 2 * H }] } },
      H,
    )
    expect(s!.online).toBe(0)
  })
})

describe('mergeSummaries and decaySummary', () => {
  it('adds weights per holder after decaying them to a common time', () => {
    const merged = mergeSummaries(
      [
        { holder: 'a', online: 10, watched: 10, at: 0 },
        { holder: 'a', online: 0, watched: 10, at: PRESENCE_HALF_LIFE_MS },
        { holder: 'b', online: 1, watched: 4, at: PRESENCE_HALF_LIFE_MS },
      ],
      PRESENCE_HALF_LIFE_MS,
    )
    expect(merged.map((s) => s.holder)).toEqual(['a', 'b'])
    expect(merged[0]!.online).toBeCloseTo(5)
    expect(merged[0]!.watched).toBeCloseTo(15)
    expect(merged[1]!.at).toBe(PRESENCE_HALF_LIFE_MS)
  })
  it('refuses lies and decaying backwards', () => {
    const s = { holder: 'a', online: 2, watched: 1, at: 0 }
    expect(() => mergeSummaries([s], 0)).toThrow(InvalidSummaryError)
    expect(() => decaySummary({ ...s, online: 0 }, -1)).toThrow(InvalidSummaryError)
    expect(() => decaySummary({ ...s, holder: '' }, 1)).toThrow(InvalidSummaryError)
  })
})

describe('estimateUptime', () => {
  it('gives a new holder the prior of its kind', () => {
    expect(estimateUptime('m', undefined)).toEqual({
      holder: 'm',
      uptime: MEMBER_PRIOR_UPTIME,
      keeper: false,
      confidence: 0,
    })
    expect(estimateUptime('k', undefined, true).uptime).toBe(KEEPER_PRIOR_UPTIME)
  })
  it('moves from the prior to the observed fraction as watched time grows', () => {
    const day = estimateUptime('m', { holder: 'm', online: DAY, watched: DAY, at: 0 })
    expect(day.uptime).toBeCloseTo((1 + MEMBER_PRIOR_UPTIME) / 2)
    expect(day.confidence).toBeCloseTo(0.5)
    const month = estimateUptime('m', { holder: 'm', online: 0, watched: 30 * DAY, at: 0 })
    expect(month.uptime).toBeLessThan(0.01)
    expect(month.uptime).toBeGreaterThan(0)
  })
})
