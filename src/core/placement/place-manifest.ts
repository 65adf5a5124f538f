import { InvalidCandidateError } from './errors.ts'
import { rendezvousScore } from './score.ts'
import type { Candidate } from './types.ts'

/**
 * The peers that keep copies of a manifest block: the `copies` best rendezvous scores for the
 * manifest's key, so every member computing it for the same peers gets the same answer.
 */
export function placeManifest(key: Uint8Array, candidates: Candidate[], copies: number): string[] {
  if (!Number.isInteger(copies) || copies < 0)
    throw new InvalidCandidateError(`invalid copies ${copies}`)
  const scored = new Map<string, number>()
  for (const c of candidates) {
    if (
      typeof c.peerId !== 'string' ||
      c.peerId === '' ||
      !(c.free >= 0) ||
      !Number.isFinite(c.free)
    ) {
      throw new InvalidCandidateError(`invalid candidate ${String(c.peerId)}`)
    }
    if (c.free > 0) scored.set(c.peerId, rendezvousScore(c.peerId, c.free, key))
  }
  return [...scored.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, copies)
    .map(([id]) => id)
}
