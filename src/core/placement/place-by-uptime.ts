import { DEFAULT_TARGET_AVAILABILITY } from '../availability/constants.ts'
import { fileAvailability } from '../availability/file-availability.ts'
import { UPTIME_STEP } from './constants.ts'
import { InvalidCandidateError, InvalidCodeShapeError } from './errors.ts'
import { memberCap, planShardCounts } from './plan-shard-counts.ts'
import { rendezvousHash } from './score.ts'
import { assertShape } from './shape.ts'

/** A device that may hold shards, with what presence says about it. */
export interface UptimeCandidate {
  peerId: string
  /** The member (person or keeper) the device belongs to: one failure domain. */
  member: string
  /** Free pledged bytes. */
  free: number
  /** Uptime estimate in [0, 1] (estimateUptime). */
  uptime: number
}

export interface PlaceByUptimeOptions {
  k: number
  /** Shards in the stripe (chooseShardCount picks it at upload; repair keeps the file's n). */
  n: number
  /** What the rendezvous order among equally reliable members is drawn for (e.g. the first shard's CID). */
  key: Uint8Array
  candidates: readonly UptimeCandidate[]
  shardSize?: number
  /** Shards already stored (fixed[i] holds shard i): kept, so a repair only places what is missing. */
  fixed?: ReadonlyArray<string | undefined>
  target?: number
}

export interface UptimePlacement {
  /** assignments[i] = device chosen for shard i, or undefined when nobody could take it. */
  assignments: Array<string | undefined>
  /** Availability of the stripe as placed (fileAvailability of this one stripe). */
  probability: number
  reachesTarget: boolean
  /** Every shard placed and no member keeps more than n − k: losing any member loses nothing. */
  safe: boolean
  /** Most shards one member keeps. */
  maxPerMember: number
}

interface Member {
  id: string
  uptime: number
  devices: Array<{ peerId: string; room: number }>
  rank: number
}

function validate(c: UptimeCandidate): void {
  const ok =
    typeof c.peerId === 'string' &&
    c.peerId !== '' &&
    typeof c.member === 'string' &&
    c.member !== '' &&
    c.free >= 0 &&
    Number.isFinite(c.free) &&
    c.uptime >= 0 &&
    c.uptime <= 1
  if (!ok) throw new InvalidCandidateError(`invalid candidate ${String(c.peerId)}`)
}

/**
 * Places one stripe for availability: members ranked by uptime (keepers first, as their uptime
 * is highest), equals within UPTIME_STEP in rendezvous order for this key; planShardCounts says
 * how many shards each keeps (capped per member, so losing any member, and usually any two,
 * loses nothing); within a member the device with the most room takes each shard.
 * Fixed shards stay; the missing ones go first to members below their planned count.
 * The result never says `reachesTarget` unless the placed stripe's exact availability does.
 */
export function placeByUptime(options: PlaceByUptimeOptions): UptimePlacement {
  const { k, n, key, shardSize = 0, fixed, target = DEFAULT_TARGET_AVAILABILITY } = options
  assertShape(k, n)
  if (fixed !== undefined && fixed.length !== n)
    throw new InvalidCodeShapeError(`fixed has ${fixed.length} entries, expected ${n}`)
  const members = new Map<string, Member>()
  const memberOf: Record<string, string> = {}
  const uptime: Record<string, number> = {}
  for (const c of options.candidates) {
    validate(c)
    if (memberOf[c.peerId] !== undefined) continue
    memberOf[c.peerId] = c.member
    uptime[c.peerId] = c.uptime
    let m = members.get(c.member)
    if (m === undefined) {
      m = { id: c.member, uptime: c.uptime, devices: [], rank: 0 }
      members.set(c.member, m)
    }
    m.uptime = Math.max(m.uptime, c.uptime)
    if (c.free > 0 && c.free >= shardSize) m.devices.push({ peerId: c.peerId, room: c.free })
  }
  const usable = [...members.values()].filter((m) => m.devices.length > 0)
  for (const m of usable) m.rank = rendezvousHash(m.id, key)
  usable.sort(
    (a, b) =>
      Math.round(b.uptime / UPTIME_STEP) - Math.round(a.uptime / UPTIME_STEP) ||
      a.rank - b.rank ||
      (a.id < b.id ? -1 : 1),
  )
  const plan = planShardCounts(
    k,
    n,
    usable.map((m) => m.uptime),
    target,
  )
  const assignments: Array<string | undefined> =
    fixed === undefined ? new Array<string | undefined>(n).fill(undefined) : [...fixed]
  const load = new Map<string, number>()
  for (const a of assignments) {
    if (a === undefined) continue
    const m = memberOf[a] ?? a
    load.set(m, (load.get(m) ?? 0) + 1)
    const d = members.get(m)?.devices.find((x) => x.peerId === a)
    if (d !== undefined) d.room -= shardSize
  }
  const cap = memberCap(k, n, Math.max(usable.length, load.size))
  const give = (m: Member, limit: number, shard: number): boolean => {
    if ((load.get(m.id) ?? 0) >= limit) return false
    const device = m.devices
      .filter((d) => d.room >= shardSize && d.room > 0)
      .sort((a, b) => b.room - a.room || (a.peerId < b.peerId ? -1 : 1))[0]
    if (device === undefined) return false
    assignments[shard] = device.peerId
    device.room -= shardSize
    load.set(m.id, (load.get(m.id) ?? 0) + 1)
    return true
  }
  for (let shard = 0; shard < n; shard++) {
    if (assignments[shard] !== undefined) continue
    // First the plan, then anyone still under the cap, in rank order.
    if (usable.some((m, i) => give(m, plan.counts[i]!, shard))) continue
    usable.some((m) => give(m, cap, shard))
  }
  const { probability } = fileAvailability({
    k,
    stripes: [assignments.map((a) => (a === undefined ? [] : [a]))],
    uptime,
    memberOf,
  })
  let maxPerMember = 0
  for (const c of load.values()) maxPerMember = Math.max(maxPerMember, c)
  const unplaced = assignments.filter((a) => a === undefined).length
  return {
    assignments,
    probability,
    reachesTarget: probability >= target,
    safe: unplaced === 0 && maxPerMember <= n - k,
    maxPerMember,
  }
}
