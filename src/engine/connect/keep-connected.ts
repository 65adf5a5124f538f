import type { DownloadNetwork } from '../download/holder-book.ts'
import { pause } from '../pause.ts'

export interface KeepConnectedOptions {
  signal: AbortSignal
  /** How often the peers' connections are looked at. */
  intervalMs?: number
  /** A peer whose dial failed waits twice as long as before, up to this, before the next. */
  maxBackoffMs?: number
}

const DEFAULT_INTERVAL_MS = 3_000
const DEFAULT_MAX_BACKOFF_MS = 60_000

/**
 * Dials every one of `peers` that has no direct connection, again and again until `signal`
 * aborts, backing off per peer while its dials fail. A share page keeps the holders a link
 * names connected while the reader looks at the file: a download started later then spreads
 * over all of them (and checks all of their bytes) from its first stripe, instead of over the
 * ones whose first dial happened to succeed. Never rejects except with the signal's reason.
 */
export async function keepConnected(
  network: Pick<DownloadNetwork, 'directPeers' | 'connect'>,
  peers: readonly string[],
  options: KeepConnectedOptions,
): Promise<void> {
  const { signal } = options
  const connect = network.connect?.bind(network)
  if (connect === undefined || peers.length === 0) return
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
  const maxBackoffMs = Math.max(intervalMs, options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS)
  const backoff = new Map<string, { delay: number; nextAt: number }>()
  const dialing = new Set<string>()
  for (;;) {
    signal.throwIfAborted()
    const direct = new Set(network.directPeers())
    const now = Date.now()
    for (const peer of peers) {
      if (direct.has(peer)) {
        backoff.delete(peer)
        continue
      }
      if (dialing.has(peer) || now < (backoff.get(peer)?.nextAt ?? 0)) continue
      dialing.add(peer)
      void connect(peer, { signal })
        .then(
          () => backoff.delete(peer),
          () => {
            const delay = Math.min(2 * (backoff.get(peer)?.delay ?? intervalMs / 2), maxBackoffMs)
            backoff.set(peer, { delay, nextAt: Date.now() + delay })
          },
        )
        .finally(() => dialing.delete(peer))
    }
    await pause(intervalMs, signal)
  }
}
