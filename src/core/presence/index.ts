export {
  PRESENCE_HALF_LIFE_MS,
  MEMBER_PRIOR_UPTIME,
  KEEPER_PRIOR_UPTIME,
  PRIOR_WEIGHT_MS,
} from './constants.ts'
export { InvalidIntervalError, InvalidSummaryError } from './errors.ts'
export { recordPresence } from './record-presence.ts'
export { summarizePresence } from './summarize-presence.ts'
export { mergeSummaries, decaySummary } from './merge-summaries.ts'
export { estimateUptime } from './estimate-uptime.ts'
export type { Interval, PresenceLog, PresenceSummary, UptimeEstimate } from './types.ts'
