/**
 * Records, inside a page, the `iceServers` of every RTCPeerConnection it creates or
 * reconfigures, and reads what a connection actually selected (candidate types).
 */
import type { Page } from '@playwright/test'

interface IceWindow {
  __cofferIce?: unknown[]
  __cofferPcs?: RTCPeerConnection[]
}

/** Must run before the app's scripts: wraps RTCPeerConnection for every later page load. */
export async function recordIceServers(page: Page): Promise<void> {
  await page.context().addInitScript(() => {
    const w = window as unknown as IceWindow & { RTCPeerConnection: typeof RTCPeerConnection }
    const Original = w.RTCPeerConnection
    const seen: unknown[] = []
    const pcs: RTCPeerConnection[] = []
    w.__cofferIce = seen
    w.__cofferPcs = pcs
    // `undefined` is recorded as null: it would mean the browser's (or libp2p's) defaults.
    const record = (c: RTCConfiguration | undefined): void => {
      seen.push(JSON.parse(JSON.stringify(c?.iceServers ?? null)))
    }
    class Recorded extends Original {
      constructor(config?: RTCConfiguration) {
        record(config)
        super(config)
        pcs.push(this)
      }
      override setConfiguration(config?: RTCConfiguration): void {
        record(config)
        super.setConfiguration(config)
      }
    }
    w.RTCPeerConnection = Recorded
  })
}

export function recordedIceServers(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as IceWindow).__cofferIce ?? [])
}

export interface SelectedPair {
  local: string
  remote: string
  /** RTCPeerConnection.connectionState of the connection. */
  state: string
  bytesSent: number
  bytesReceived: number
}

/**
 * The candidate types (host, srflx, prflx, relay) of the pair each connected
 * RTCPeerConnection of the page uses right now, from getStats().
 */
export function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const out: Array<{
      local: string
      remote: string
      state: string
      bytesSent: number
      bytesReceived: number
    }> = []
    for (const pc of (window as unknown as IceWindow).__cofferPcs ?? []) {
      if (pc.connectionState !== 'connected') continue
      const stats = await pc.getStats()
      const byId = new Map<string, Record<string, unknown>>()
      stats.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s))
      let pairId: unknown
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'transport' && s.selectedCandidatePairId !== undefined) {
          pairId = s.selectedCandidatePairId
        }
      })
      const pair = byId.get(String(pairId))
      if (pair === undefined) continue
      const local = byId.get(String(pair.localCandidateId))
      const remote = byId.get(String(pair.remoteCandidateId))
      out.push({
        local: String(local?.candidateType),
        remote: String(remote?.candidateType),
        state: pc.connectionState,
        bytesSent: Number(pair.bytesSent ?? 0),
        bytesReceived: Number(pair.bytesReceived ?? 0),
      })
    }
    return out
  })
}
