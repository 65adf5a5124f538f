const DAY = 24 * 3600_000
const YEAR = 365 * DAY

/** One co-op shape the simulator runs: who keeps shards and how they come and go. */
export interface Shape {
  name: string
  keepers: number
  members: number
  /** Co-op runs in the default `npm run simulate` (SIM_RUNS overrides). */
  runs: number
  /** Mean fraction of the day a member is online; each member's own figure varies ±50 % around it. */
  memberUptime: number
}

export const SHAPES: Shape[] = [
  { name: '2 keepers + 10 members at 30 %', keepers: 2, members: 10, memberUptime: 0.3, runs: 40 },
  { name: '10 members at 30 %, no keeper', keepers: 0, members: 10, memberUptime: 0.3, runs: 8 },
  { name: '20 members at 50 %, no keeper', keepers: 0, members: 20, memberUptime: 0.5, runs: 8 },
]

/**
 * What happens to members and keepers, per year unless said otherwise. Pessimistic on purpose
 * for browsers: a tab's storage is far easier to lose than a server's disk.
 */
export const WORLD = {
  keeperUptime: 0.99,
  /** A keeper outage lasts 6 hours on average (a reboot, a pod move, a night without power). */
  keeperOutageMeanMs: 6 * 3600_000,
  /** Keeper disks die, or the operator rebuilds the pod without its volume, once in 3 years. */
  keeperFailuresPerYear: 1 / 3,
  /** A dead keeper is back, empty, after 3 days. */
  keeperReplaceMs: 3 * DAY,
  /** Phone lost, laptop wiped, browser profile reset. */
  deviceLossPerYear: 0.3,
  /** The browser evicts the origin's storage (no persistent-storage grant, disk pressure). */
  evictionPerYear: 0.2,
  /** A member leaves the co-op for good (their shards go with them). */
  leavePerYear: 0.25,
  /** A newcomer takes the place of a member who left, 30 days later. */
  replaceMs: 30 * DAY,
  /** Holidays, a broken phone, a busy month: spells offline, 5 days on average. */
  absencesPerYear: 3,
  absenceMeanMs: 5 * DAY,
}

/** How a run is sized and how the owner's repair and audit behave. */
export const RUN = {
  k: 4,
  filesPerCoop: 500,
  /** Files whose availability is sampled (all files are followed for durability). */
  trackedFiles: 20,
  years: 50,
  /** Files placed with the same rendezvous key move in lockstep, so a placement is reused. */
  keyClasses: 32,
  /** Mean time between availability samples (random times, so daily rhythms do not alias). */
  sampleMeanMs: 12 * 3600_000,
  /** Estimates are refreshed from the week's presence once a week. */
  estimateEveryMs: 7 * DAY,
  /** Once a month the model's figure for each tracked file is recorded beside the measurement. */
  predictEveryMs: 30 * DAY,
  /** A repair runs within a day of being due (the repairer must be online with k sources). */
  repairDelayMs: DAY,
  /** Audits challenge each holder once a week, on a sample of its shards. */
  auditPeriodMs: 7 * DAY,
  /** Share of a holder's shards read to answer one audit round. */
  auditSample: 0.0025,
  DAY,
  YEAR,
}
