import { isLinkHolder, MAX_LINK_HINTS, type ShareLinkHints } from '../core/index.ts'
import { relayConfigUrl } from '../net/ice.ts'

/**
 * At most this many holders in a link the app makes: each costs 45 characters, and a QR code
 * past about 250 characters is hard for a phone camera (docs/FORMAT.md §9.3).
 */
export const LINK_HOLDERS = 4

/** What the app knows when it makes a link (see ShareLinkInput in share.svelte.ts). */
export interface LinkHintInput {
  baseUrl: string
  relays: string[]
  holders?: Map<string, string[]> | string[]
  /** Peer ids of the keepers the serving pod names in its /config.json. */
  keepers?: readonly string[]
  /** CID string of the manifest, which the named holders must hold too. */
  manifest?: string
  /** Shards per stripe (n), needed per stripe (k) and stripes; without them no shard may be left out. */
  shape?: { k: number; n: number; stripes: number }
}

/**
 * Relays a link names: none when the link's own address serves a /config.json that names one
 * of them, since the share page asks exactly there (src/state/share-page.svelte.ts).
 */
export function linkRelays(baseUrl: string, relays: string[]): string[] {
  const asked = new URL('config.json', baseUrl).href
  if (relays.some((r) => relayConfigUrl(r) === asked)) return []
  return relays.slice(0, MAX_LINK_HINTS)
}

/** Peers ranked by how many of the file's blocks each holds, at most `max`. */
export function rankHolders(holders: Map<string, string[]> | string[], max: number): string[] {
  if (Array.isArray(holders))
    return holders.filter((p, i) => holders.indexOf(p) === i).slice(0, max)
  const counts: Record<string, number> = {}
  for (const peers of holders.values()) {
    for (const p of peers) counts[p] = (counts[p] ?? 0) + 1
  }
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([p]) => p)
}

/**
 * Holders a link names: the fewest (at most LINK_HOLDERS), best-stocked first, that together
 * with the pod's keepers (which the share page dials from /config.json, so they cost the link
 * nothing) hold the manifest and k shards of every stripe. The test is sufficient without
 * knowing which shard is in which stripe: when at most n − k of the file's shards are neither
 * held by a named holder nor by a keeper, no stripe can lack more than n − k.
 */
export function linkHolders(input: LinkHintInput): string[] {
  const holders = input.holders ?? []
  if (Array.isArray(holders)) return rankHolders(holders.filter(isLinkHolder), LINK_HOLDERS)
  const keepers = new Set(input.keepers ?? [])
  // Every member's peer id is Ed25519 (src/net/identity.ts); anything else cannot be named.
  const ranked = rankHolders(holders, Number.MAX_SAFE_INTEGER).filter(
    (p) => !keepers.has(p) && isLinkHolder(p),
  )
  const { shape } = input
  // Shards never placed (a file "at risk") are missing too, and they are not in `holders`.
  const shardCount = [...holders.keys()].filter((c) => c !== input.manifest).length
  const unplaced = shape === undefined ? 0 : Math.max(0, shape.n * shape.stripes - shardCount)
  const slack = shape === undefined ? 0 : shape.n - shape.k - unplaced
  const named = new Set<string>()
  const held = (cid: string): boolean =>
    (holders.get(cid) ?? []).some((p) => keepers.has(p) || named.has(p))
  const missing = (): string[] => [...holders.keys()].filter((c) => !held(c))
  for (;;) {
    const gaps = missing()
    const manifestMissing = input.manifest !== undefined && gaps.includes(input.manifest)
    if (!manifestMissing && gaps.length <= slack) break
    if (named.size >= LINK_HOLDERS) break
    // The holder that fills the most gaps; ties go to the rank (most blocks held).
    let best: string | undefined
    let bestGain = 0
    for (const p of ranked) {
      if (named.has(p)) continue
      const gain = gaps.filter((c) => holders.get(c)?.includes(p)).length
      if (gain > bestGain) [best, bestGain] = [p, gain]
    }
    if (best === undefined) break
    named.add(best)
  }
  return ranked.filter((p) => named.has(p))
}

/** Both hints of a link the app makes. */
export function linkHints(input: LinkHintInput): ShareLinkHints {
  return { relays: linkRelays(input.baseUrl, input.relays), peers: linkHolders(input) }
}
