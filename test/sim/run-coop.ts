import {
  DEFAULT_TARGET_AVAILABILITY,
  KEEPER_GONE_AFTER_MS,
  MEMBER_GONE_AFTER_MS,
  REPAIR_MARGIN,
} from '../../src/core/availability/index.ts'
import {
  chooseShardCount,
  memberCap,
  placeByUptime,
  type UptimeCandidate,
  type UptimePlacement,
} from '../../src/core/placement/index.ts'
import {
  estimateUptime,
  mergeSummaries,
  summarizePresence,
  type Interval,
  type PresenceSummary,
} from '../../src/core/presence/index.ts'
import { EventQueue } from './heap.ts'
import { inWindow, predictAvailability, slotName } from './model.ts'
import { expWait, prng } from './prng.ts'
import { RUN, WORLD, type Shape } from './shapes.ts'

const { DAY, YEAR, k } = RUN

interface Slot {
  keeper: boolean
  /** Generation: a newcomer in a slot ignores the events of the member before it. */
  gen: number
  uptime: number
  phase: number
  present: boolean
  absent: boolean
  absence: number
  /** Keeper outage or dead keeper. */
  down: boolean
  outage: number
  /** Counted as gone by the owners (offline past the grace period): its shards were dropped. */
  gone: boolean
  summary: PresenceSummary | undefined
  /** Time away or down since the last weekly tick, and since when it is away now (−1: it is not). */
  offMs: number
  offSince: number
  estimate: number
  files: Set<number>
}

interface SimFile {
  n: number
  key: number
  holders: Int32Array
  live: number
  repairDue: boolean
  gen: number
}

type Ev =
  | {
      kind: 'loss' | 'evict' | 'leave' | 'absence' | 'outage' | 'keeper-fail'
      slot: number
      gen: number
    }
  | { kind: 'join' | 'keeper-back'; slot: number }
  | { kind: 'return' | 'gone-check' | 'outage-end'; slot: number; gen: number; token: number }
  | { kind: 'detect'; files: Array<[number, number]> }
  | { kind: 'repair'; file: number; gen: number }
  | { kind: 'sample' | 'estimate' | 'predict' }

export interface CoopResult {
  fileYears: number
  coopYears: number
  lost: number
  /** Shard-milliseconds stored, integrated over time. */
  storedShardMs: number
  repairShards: number
  /** Shards read and written to move shards back to a keeper (rebalance). */
  moveShards: number
  auditShards: number
  repairs: number
  placements: number
  samples: number
  readable: number
  /** Per tracked file: fraction of samples in which it was readable. */
  perFile: number[]
  predicted: number
  predictions: number
  /** n / k of every file placement, summed, and their count. */
  expansionSum: number
  expansionCount: number
  unreachedTarget: number
}

/** Runs one co-op of the given shape for RUN.years with the given seed. */
export function runCoop(shape: Shape, seed: number): CoopResult {
  const rand = prng(seed)
  const end = RUN.years * YEAR
  const q = new EventQueue<Ev>()
  const slots: Slot[] = []
  const files: SimFile[] = []
  let now = 0
  let estVersion = 0
  const res: CoopResult = {
    fileYears: RUN.filesPerCoop * RUN.years,
    coopYears: RUN.years,
    lost: 0,
    storedShardMs: 0,
    repairShards: 0,
    moveShards: 0,
    auditShards: 0,
    repairs: 0,
    placements: 0,
    samples: 0,
    readable: 0,
    perFile: new Array<number>(RUN.trackedFiles).fill(0),
    predicted: 0,
    predictions: 0,
    expansionSum: 0,
    expansionCount: 0,
    unreachedTarget: 0,
  }
  let totalLive = 0

  const at = (delay: number, ev: Ev): void => q.push(now + delay, ev)
  const yearly = (rate: number): number => expWait(rand, YEAR / rate)

  function scheduleMember(i: number): void {
    const s = slots[i]!
    const gen = s.gen
    if (s.keeper) {
      at(yearly(WORLD.keeperFailuresPerYear), { kind: 'keeper-fail', slot: i, gen })
      const rate = (1 - WORLD.keeperUptime) / WORLD.keeperUptime / WORLD.keeperOutageMeanMs
      at(expWait(rand, 1 / rate), { kind: 'outage', slot: i, gen })
      return
    }
    at(yearly(WORLD.deviceLossPerYear), { kind: 'loss', slot: i, gen })
    at(yearly(WORLD.evictionPerYear), { kind: 'evict', slot: i, gen })
    at(yearly(WORLD.leavePerYear), { kind: 'leave', slot: i, gen })
    at(yearly(WORLD.absencesPerYear), { kind: 'absence', slot: i, gen })
  }

  function newSlot(i: number, keeper: boolean): void {
    const old = slots[i]
    slots[i] = {
      keeper,
      gen: (old?.gen ?? 0) + 1,
      uptime: keeper ? WORLD.keeperUptime : Math.min(1, shape.memberUptime * (0.5 + rand())),
      phase: rand() * DAY,
      present: true,
      absent: false,
      absence: 0,
      down: false,
      outage: 0,
      gone: false,
      summary: undefined,
      offMs: 0,
      offSince: -1,
      estimate: estimateUptime(slotName(i), undefined, keeper).uptime,
      files: old?.files ?? new Set(),
    }
    estVersion++
    scheduleMember(i)
  }

  const online = (s: Slot, t: number): boolean =>
    s.present &&
    !s.gone &&
    !s.absent &&
    !s.down &&
    (s.keeper || inWindow(t, s.phase, s.uptime, DAY))

  // Placement and n choice are pure: the same inputs give the same answer, so files that share
  // a rendezvous key and a history reuse one call (they would compute the same thing).
  let memoVersion = -1
  let candidates: UptimeCandidate[] = []
  const memo = new Map<string, UptimePlacement>()
  let nChoice = 0
  function refresh(): void {
    if (memoVersion === estVersion) return
    memoVersion = estVersion
    memo.clear()
    nChoice = 0
    candidates = []
    // Only members that can take a shard now: not away, not counted gone, no keeper down.
    slots.forEach((s, i) => {
      if (s.present && !s.gone && !s.absent && !s.down)
        candidates.push({
          peerId: slotName(i),
          member: slotName(i),
          free: 1e12,
          uptime: s.estimate,
        })
    })
  }
  function shardCount(): number {
    refresh()
    if (nChoice === 0)
      nChoice = chooseShardCount(
        k,
        candidates.map((c) => c.uptime),
      ).n
    return nChoice
  }
  function place(f: SimFile): UptimePlacement {
    refresh()
    const fixed = Array.from(f.holders, (h) => (h < 0 ? undefined : slotName(h)))
    const key = `${f.key}|${f.n}|${f.holders.join(',')}`
    let r = memo.get(key)
    if (r === undefined) {
      r = placeByUptime({ k, n: f.n, key: Uint8Array.of(f.key), candidates, fixed })
      memo.set(key, r)
      res.placements++
    }
    return r
  }
  function apply(fi: number, r: UptimePlacement): number {
    const f = files[fi]!
    let added = 0
    r.assignments.forEach((a, i) => {
      if (a === undefined || f.holders[i]! >= 0) return
      const slot = Number(a.slice(1))
      f.holders[i] = slot
      slots[slot]!.files.add(fi)
      added++
    })
    f.live += added
    totalLive += added
    return added
  }
  function create(fi: number): void {
    const n = shardCount()
    const old = files[fi]
    const f: SimFile = {
      n,
      key: fi % RUN.keyClasses,
      holders: new Int32Array(n).fill(-1),
      live: 0,
      repairDue: false,
      gen: (old?.gen ?? 0) + 1,
    }
    files[fi] = f
    const r = place(f)
    if (!r.reachesTarget) res.unreachedTarget++
    res.expansionSum += f.n / k
    res.expansionCount++
    apply(fi, r)
  }
  /** Live shards left if the file's most loaded holder went too. */
  function spare(f: SimFile): number {
    const load = new Map<number, number>()
    for (const h of f.holders) if (h >= 0) load.set(h, (load.get(h) ?? 0) + 1)
    return f.live - Math.max(0, ...load.values())
  }
  /**
   * A keeper is back (empty): files that gave its shards to members while it was down move up to
   * the cap's worth from their least reachable holders back to it, if that raises the model's
   * figure. Each move is one shard crossing the network once (the keeper fetches it from its
   * holder, as a build does).
   */
  function rebalance(keeper: number): void {
    const est = slots.map((s) => s.estimate)
    const seen = new Map<string, number>()
    const predict = (h: Int32Array): number => {
      const key = h.join(',')
      let p = seen.get(key)
      if (p === undefined) seen.set(key, (p = predictAvailability(k, h, est)))
      return p
    }
    files.forEach((f, fi) => {
      const before = predict(f.holders)
      if (before >= DEFAULT_TARGET_AVAILABILITY) return
      const have = f.holders.filter((h) => h === keeper).length
      const moves = memberCap(k, f.n, slots.length) - have
      if (moves <= 0) return
      const order = Array.from(f.holders.keys())
        .filter((i) => f.holders[i]! >= 0 && !slots[f.holders[i]!]!.keeper)
        .sort((a, b) => est[f.holders[a]!]! - est[f.holders[b]!]! || a - b)
        .slice(0, moves)
      const trial = Int32Array.from(f.holders)
      for (const i of order) trial[i] = -1
      const r = place({ ...f, holders: trial })
      const next = Int32Array.from(r.assignments, (a) =>
        a === undefined ? -1 : Number(a.slice(1)),
      )
      if (predict(next) <= before) return
      let moved = 0
      for (const i of order) {
        if (next[i] === f.holders[i]) continue
        slots[f.holders[i]!]!.files.delete(fi)
        moved++
      }
      for (let i = 0; i < f.n; i++) if (next[i]! >= 0) slots[next[i]!]!.files.add(fi)
      const added = next.filter((h) => h >= 0).length - f.live
      f.holders = next
      f.live += added
      totalLive += added
      res.moveShards += moved
    })
  }
  function check(fi: number): void {
    const f = files[fi]!
    if (f.repairDue || spare(f) >= k + REPAIR_MARGIN) return
    f.repairDue = true
    at(RUN.repairDelayMs * rand(), { kind: 'repair', file: fi, gen: f.gen })
  }
  /** The slot's shards are gone; returns the files touched (each once). */
  function drop(slot: number): Array<[number, number]> {
    const s = slots[slot]!
    const touched: Array<[number, number]> = []
    // A lost file is placed again at once, possibly on this very slot (back, empty): work on a copy.
    const held = [...s.files]
    s.files.clear()
    for (const fi of held) {
      const f = files[fi]!
      let lost = 0
      for (let i = 0; i < f.n; i++)
        if (f.holders[i] === slot) {
          f.holders[i] = -1
          lost++
        }
      f.live -= lost
      totalLive -= lost
      if (f.live < k) {
        res.lost++
        for (const h of f.holders) if (h >= 0) slots[h]!.files.delete(fi)
        totalLive -= f.live
        create(fi)
      } else touched.push([fi, f.gen])
    }
    return touched
  }
  /** Keeps each slot's time away or down since the last tick, for the week's presence. */
  function goOff(s: Slot): void {
    if (s.offSince < 0) s.offSince = now
  }
  function comeBack(s: Slot): void {
    if (s.offSince < 0) return
    s.offMs += now - Math.max(s.offSince, now - RUN.estimateEveryMs)
    s.offSince = -1
  }
  function weekOfPresence(): void {
    const week = RUN.estimateEveryMs
    const watched: Interval[] = [{ start: now - week, end: now }]
    const onlineLog: Record<string, Interval[]> = {}
    slots.forEach((s, i) => {
      if (!s.present) return
      if (s.offSince >= 0) s.offMs += now - Math.max(s.offSince, now - week)
      if (s.offSince >= 0) s.offSince = now
      // Time away shortens the week's online time in proportion: one number per slot, no log.
      const on = Math.max(0, 1 - s.offMs / week)
      s.offMs = 0
      const ivs: Interval[] = []
      if (s.keeper) ivs.push({ start: now - week, end: now - week + on * week })
      else
        for (let d = now - week; d < now; d += DAY) {
          const start = d - (d % DAY) + s.phase
          ivs.push({ start, end: start + on * s.uptime * DAY })
        }
      onlineLog[slotName(i)] = ivs
    })
    for (const sum of summarizePresence({ watched, online: onlineLog }, now)) {
      const i = Number(sum.holder.slice(1))
      const s = slots[i]!
      const [merged] = mergeSummaries(s.summary === undefined ? [sum] : [s.summary, sum], now)
      s.summary = merged
      s.estimate = estimateUptime(sum.holder, merged, s.keeper).uptime
    }
    estVersion++
  }

  for (let i = 0; i < shape.keepers; i++) newSlot(i, true)
  for (let i = 0; i < shape.members; i++) newSlot(shape.keepers + i, false)
  for (let fi = 0; fi < RUN.filesPerCoop; fi++) create(fi)
  at(expWait(rand, RUN.sampleMeanMs), { kind: 'sample' })
  at(RUN.estimateEveryMs, { kind: 'estimate' })
  at(RUN.predictEveryMs, { kind: 'predict' })

  while (q.size > 0) {
    const { time, item: ev } = q.pop()
    if (time > end) break
    res.storedShardMs += totalLive * (time - now)
    now = time
    switch (ev.kind) {
      case 'sample': {
        const up = slots.map((s) => online(s, now))
        for (let fi = 0; fi < RUN.trackedFiles; fi++) {
          let c = 0
          for (const h of files[fi]!.holders) if (h >= 0 && up[h]) c++
          if (c >= k) {
            res.readable++
            res.perFile[fi]!++
          }
        }
        res.samples += RUN.trackedFiles
        at(expWait(rand, RUN.sampleMeanMs), ev)
        break
      }
      case 'estimate':
        weekOfPresence()
        at(RUN.estimateEveryMs, ev)
        break
      case 'predict': {
        const est = slots.map((s) => s.estimate)
        for (let fi = 0; fi < RUN.trackedFiles; fi++) {
          res.predicted += predictAvailability(k, files[fi]!.holders, est)
          res.predictions++
        }
        at(RUN.predictEveryMs, ev)
        break
      }
      case 'repair': {
        const f = files[ev.file]!
        if (f.gen !== ev.gen) break
        // A keeper that is down comes back within days: while the stripe still has a spare
        // shard, wait for it rather than hand its shards to members who are online less.
        if (spare(f) >= k + 1 && slots.some((s) => s.keeper && s.down)) {
          at(RUN.repairDelayMs, ev)
          break
        }
        f.repairDue = false
        const added = apply(ev.file, place(f))
        if (added > 0) {
          res.repairs++
          // The rebuild reads k shards and writes the new ones.
          res.repairShards += k + added
        }
        break
      }
      case 'detect':
        for (const [fi, gen] of ev.files) if (files[fi]!.gen === gen) check(fi)
        break
      default:
        slotEvent(ev)
    }
  }
  res.auditShards = RUN.auditSample * (res.storedShardMs / RUN.auditPeriodMs)
  return res

  function slotEvent(
    ev: Exclude<Ev, { kind: 'sample' | 'estimate' | 'predict' | 'repair' | 'detect' }>,
  ): void {
    const s = slots[ev.slot]!
    if ('gen' in ev && ev.gen !== s.gen) return
    switch (ev.kind) {
      case 'loss':
      case 'evict': {
        // Found at the holder's next audit round.
        at(rand() * RUN.auditPeriodMs, { kind: 'detect', files: drop(ev.slot) })
        at(yearly(ev.kind === 'loss' ? WORLD.deviceLossPerYear : WORLD.evictionPerYear), ev)
        break
      }
      case 'leave': {
        for (const [fi] of drop(ev.slot)) check(fi)
        s.present = false
        s.gen++
        estVersion++
        at(WORLD.replaceMs, { kind: 'join', slot: ev.slot })
        break
      }
      case 'join':
        newSlot(ev.slot, false)
        break
      case 'absence': {
        s.absent = true
        s.absence++
        goOff(s)
        estVersion++
        at(expWait(rand, WORLD.absenceMeanMs), {
          kind: 'return',
          slot: ev.slot,
          gen: s.gen,
          token: s.absence,
        })
        at(MEMBER_GONE_AFTER_MS, {
          kind: 'gone-check',
          slot: ev.slot,
          gen: s.gen,
          token: s.absence,
        })
        break
      }
      case 'return':
        s.absent = false
        s.gone = false
        comeBack(s)
        estVersion++
        at(yearly(WORLD.absencesPerYear), { kind: 'absence', slot: ev.slot, gen: s.gen })
        break
      case 'gone-check': {
        const still = s.keeper
          ? s.down && s.outage === ev.token
          : s.absent && s.absence === ev.token
        if (!still || s.gone) break
        s.gone = true
        estVersion++
        for (const [fi] of drop(ev.slot)) check(fi)
        break
      }
      case 'outage': {
        if (s.down) break
        s.down = true
        s.outage++
        goOff(s)
        estVersion++
        at(expWait(rand, WORLD.keeperOutageMeanMs), {
          kind: 'outage-end',
          slot: ev.slot,
          gen: s.gen,
          token: s.outage,
        })
        at(KEEPER_GONE_AFTER_MS, { kind: 'gone-check', slot: ev.slot, gen: s.gen, token: s.outage })
        break
      }
      case 'outage-end': {
        if (s.outage !== ev.token) break
        s.down = false
        s.gone = false
        comeBack(s)
        estVersion++
        const rate = (1 - WORLD.keeperUptime) / WORLD.keeperUptime / WORLD.keeperOutageMeanMs
        at(expWait(rand, 1 / rate), { kind: 'outage', slot: ev.slot, gen: s.gen })
        break
      }
      case 'keeper-fail': {
        at(rand() * RUN.auditPeriodMs, { kind: 'detect', files: drop(ev.slot) })
        goOff(s)
        s.down = true
        s.outage++
        estVersion++
        at(WORLD.keeperReplaceMs, { kind: 'keeper-back', slot: ev.slot })
        break
      }
      case 'keeper-back': {
        // The keeper's operator brings it back, empty, with a fresh disk.
        s.gen++
        comeBack(s)
        s.down = false
        s.gone = false
        estVersion++
        scheduleMember(ev.slot)
        rebalance(ev.slot)
        break
      }
    }
  }
}
