import { formatCapability, parseReadCapability, type ReadCapability } from './capability.ts'
import { MAX_LINK_HINT_LENGTH, MAX_LINK_HINTS, MAX_LINK_LENGTH } from './constants.ts'
import { InvalidShareLinkError } from './errors.ts'

// Version 1 share links (docs/FORMAT.md §9.2): the text capability of §8 plus `r=`/`p=` hints
// as a query inside the fragment. No longer made by the app (about 440 characters, too dense
// for a QR code) but links already sent keep opening, so this parser stays as strict as it was.

/** Extra hints a share link can carry so a stranger can reach the holders. */
export interface ShareLinkHints {
  /** Relay multiaddrs, each ending in /p2p/<relay peer id>. */
  relays?: string[]
  /** Peer ids of likely holders. */
  peers?: string[]
}

/** What a share link of either version says, the app's base URL aside. */
export interface ShareFragment {
  /** 1: `#/s/<capability>?r=…&p=…` (§9.2); 2: `#/s/<binary payload>` (§9.1). */
  version: 1 | 2
  capability: ReadCapability
  relays: string[]
  peers: string[]
}

export const SHARE_FRAGMENT_PREFIX = '#/s/'
const HINT_KEYS = { r: 'relays', p: 'peers' } as const
const RELAY_SHAPE = /^\/[\x21-\x7e]*$/
const PEER_SHAPE = /^[A-Za-z0-9]+$/

export function linkFail(message: string): never {
  throw new InvalidShareLinkError(message)
}

function checkHint(key: 'r' | 'p', value: string): void {
  if (value.length === 0 || value.length > MAX_LINK_HINT_LENGTH) {
    linkFail(`link hint ${key} must be 1–${MAX_LINK_HINT_LENGTH} characters`)
  }
  if (!(key === 'r' ? RELAY_SHAPE : PEER_SHAPE).test(value)) {
    linkFail(key === 'r' ? 'relay hint is not a multiaddr' : 'peer hint is not a peer id')
  }
}

/** The version 1 fragment, `#/s/<cap>[?r=…&p=…]`: kept to test that old links still open. */
export function formatShareFragmentV1(cap: ReadCapability, hints: ShareLinkHints = {}): string {
  const params: string[] = []
  for (const [key, field] of Object.entries(HINT_KEYS) as ['r' | 'p', 'relays' | 'peers'][]) {
    const values = hints[field] ?? []
    if (values.length > MAX_LINK_HINTS) linkFail(`at most ${MAX_LINK_HINTS} ${field} per link`)
    for (const v of values) {
      checkHint(key, v)
      params.push(`${key}=${encodeURIComponent(v)}`)
    }
  }
  return `${SHARE_FRAGMENT_PREFIX}${formatCapability(cap)}${params.length > 0 ? `?${params.join('&')}` : ''}`
}

/** Parses a version 1 fragment (the caller checked the prefix and the length). */
export function parseShareFragmentV1(fragment: string): ShareFragment {
  if (fragment.length > MAX_LINK_LENGTH) linkFail('link is too long')
  if (!fragment.startsWith(SHARE_FRAGMENT_PREFIX)) linkFail('not a share link (expected #/s/…)')
  const rest = fragment.slice(SHARE_FRAGMENT_PREFIX.length)
  const q = rest.indexOf('?')
  const capText = q === -1 ? rest : rest.slice(0, q)
  const capability = parseReadCapability(capText)
  const relays: string[] = []
  const peers: string[] = []
  if (q !== -1) {
    const query = rest.slice(q + 1)
    if (query.length === 0) linkFail('empty hint list after ?')
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=')
      if (eq <= 0) linkFail('link hint must be key=value')
      const key = pair.slice(0, eq)
      if (key !== 'r' && key !== 'p') linkFail(`unknown link hint "${key.slice(0, 16)}"`)
      let value: string
      try {
        value = decodeURIComponent(pair.slice(eq + 1))
      } catch {
        linkFail('link hint is not valid percent-encoding')
      }
      checkHint(key, value)
      const list = key === 'r' ? relays : peers
      if (list.length >= MAX_LINK_HINTS) linkFail(`too many ${HINT_KEYS[key]} in link`)
      list.push(value)
    }
  }
  return { version: 1, capability, relays, peers }
}
