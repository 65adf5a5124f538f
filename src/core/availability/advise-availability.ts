import { KEEPER_PRIOR_UPTIME } from '../presence/constants.ts'
import { DEFAULT_TARGET_AVAILABILITY } from './constants.ts'
import { fileAvailability } from './file-availability.ts'
import type { AvailabilityInput } from './types.ts'

export type AdviceCode = 'safe' | 'unplaced' | 'add-keeper' | 'spread' | 'more-online'

export interface Advice {
  code: AdviceCode
  /** One sentence for the member, in plain words. */
  words: string
}

/** A member that is online at least this much is treated as always-on, like a keeper. */
const ALWAYS_ON = 0.9
const HYPOTHETICAL_KEEPER = '\u0000keeper'

function percent(p: number): string {
  return `${(Math.floor(p * 1000) / 10).toFixed(1)} %`
}

/**
 * The same file with one more always-on holder that takes ⌊(n − k) / 2⌋ shards (at least one) of
 * each stripe from its least reachable holders: what "add a keeper" would buy.
 */
function withKeeper(input: AvailabilityInput): AvailabilityInput {
  const reach = (h: string): number => input.uptime[h] ?? 0
  const stripes = input.stripes.map((stripe) => {
    const take = Math.max(1, Math.floor((stripe.length - input.k) / 2))
    const order = stripe
      .map((holders, i) => ({ i, best: Math.max(0, ...holders.map(reach)) }))
      .sort((a, b) => a.best - b.best || a.i - b.i)
      .slice(0, take)
      .map((x) => x.i)
    return stripe.map((holders, i) => (order.includes(i) ? [HYPOTHETICAL_KEEPER] : holders))
  })
  return {
    ...input,
    stripes,
    uptime: { ...input.uptime, [HYPOTHETICAL_KEEPER]: KEEPER_PRIOR_UPTIME },
  }
}

/** Some stripe gives several shards to one member that is not always-on. */
function crowded(input: AvailabilityInput): boolean {
  const memberOf = input.memberOf ?? {}
  for (const stripe of input.stripes) {
    const count = new Map<string, number>()
    for (const holders of stripe) {
      const h = holders[0]
      if (h === undefined || (input.uptime[h] ?? 0) >= ALWAYS_ON) continue
      const m = memberOf[h] ?? h
      count.set(m, (count.get(m) ?? 0) + 1)
    }
    for (const c of count.values()) if (c > 1) return true
  }
  return false
}

/**
 * What would make a file safer, most useful first. Plain words for the file's detail view; the
 * codes let the UI pick an icon or a button ("invite a keeper").
 */
export function adviseAvailability(
  input: AvailabilityInput,
  target: number = DEFAULT_TARGET_AVAILABILITY,
): Advice[] {
  const { probability } = fileAvailability(input)
  if (probability >= target)
    return [{ code: 'safe', words: `Safe: readable about ${percent(probability)} of the time.` }]
  const out: Advice[] = []
  if (input.stripes.some((stripe) => stripe.some((holders) => holders.length === 0)))
    out.push({
      code: 'unplaced',
      words: 'Some pieces have no holder yet: it needs more members with free space.',
    })
  if (fileAvailability(withKeeper(input)).probability >= target)
    out.push({
      code: 'add-keeper',
      words: `Readable about ${percent(probability)} of the time: it needs one more always-on holder (a keeper).`,
    })
  if (crowded(input))
    out.push({
      code: 'spread',
      words:
        'One member keeps several pieces of the same part: spreading them over more members makes it safer.',
    })
  if (out.length === 0)
    out.push({
      code: 'more-online',
      words: `Readable about ${percent(probability)} of the time: it needs holders that are online more often (a keeper, or members who keep the app open).`,
    })
  return out
}
