export interface PeerSource {
  /** Co-op peers connected directly right now. */
  peers(): string[]
  /** Calls back when peers come or go; returns the unsubscribe function. */
  onPeersChange(callback: () => void): () => void
}

/**
 * Calls `settled` once a burst of peer changes has settled (a peer joins: discovery, dial,
 * identify), telling whether a peer came (back) online since the last call: such a peer may
 * take shards, or is owed a delete. Returns the function that stops watching.
 */
export function watchPeers(
  source: PeerSource,
  debounceMs: number,
  settled: (joined: boolean) => void,
): () => void {
  let known = new Set(source.peers())
  let debounce: ReturnType<typeof setTimeout> | undefined
  const unsubscribe = source.onPeersChange(() => {
    clearTimeout(debounce)
    debounce = setTimeout(() => {
      const now = source.peers()
      const joined = now.some((p) => !known.has(p))
      known = new Set(now)
      settled(joined)
    }, debounceMs)
  })
  return () => {
    unsubscribe()
    clearTimeout(debounce)
  }
}
