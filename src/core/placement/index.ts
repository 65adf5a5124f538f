export { DEFAULT_K, DEFAULT_N, DEFAULT_MANIFEST_COPIES } from './constants.ts'
export { InvalidCandidateError, InvalidCodeShapeError } from './errors.ts'
export { rendezvousHash, rendezvousScore } from './score.ts'
export { placeStripe, summarize, type PlaceStripeOptions } from './place-stripe.ts'
export { placeManifest } from './place-manifest.ts'
export { requiredPeers } from './required-peers.ts'
export { computeHealth, type FileHealth, type HealthInput, type HealthState } from './health.ts'
export type { Candidate, StripePlacement } from './types.ts'
export { MAX_EXPANSION } from './constants.ts'
export { memberCap, planShardCounts, type ShardPlan } from './plan-shard-counts.ts'
export { chooseShardCount, type ShardCount } from './choose-shard-count.ts'
export {
  placeByUptime,
  type PlaceByUptimeOptions,
  type UptimeCandidate,
  type UptimePlacement,
} from './place-by-uptime.ts'
