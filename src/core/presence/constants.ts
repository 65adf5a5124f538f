const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Weight of an observation halves every 14 days: long enough that a member's weekly rhythm
 * (weekdays on, weekend off) averages out, short enough that a member who stopped opening the
 * app loses its standing within a month or two.
 */
export const PRESENCE_HALF_LIFE_MS = 14 * DAY_MS
/**
 * What a member nobody has watched yet is assumed to be online: a tab or phone that is open
 * about 7 hours a day. Cautious on purpose: a new member must earn a higher figure.
 */
export const MEMBER_PRIOR_UPTIME = 0.3
/** What a keeper nobody has watched yet is assumed to be online: an always-on process. */
export const KEEPER_PRIOR_UPTIME = 0.99
/**
 * The prior counts as this much watched time: one day of real observation already outweighs
 * it half and half, a fortnight makes it a footnote.
 */
export const PRIOR_WEIGHT_MS = DAY_MS
