import { describe, expect, it } from 'vitest'
import { keepConnected } from '../../src/engine/connect/keep-connected.ts'

/** Peers that connect when dialled, after failing their first `failures[peer]` dials. */
class Dialable {
  readonly online = new Set<string>()
  readonly dials: Array<{ peer: string; at: number }> = []
  constructor(readonly failures: Map<string, number>) {}
  directPeers(): string[] {
    return [...this.online]
  }
  connect(peer: string): Promise<void> {
    this.dials.push({ peer, at: Date.now() })
    const left = this.failures.get(peer) ?? 0
    if (left > 0) {
      this.failures.set(peer, left - 1)
      return Promise.reject(new Error('set-up failed'))
    }
    this.online.add(peer)
    return Promise.resolve()
  }
  dialsOf(peer: string): number {
    return this.dials.filter((d) => d.peer === peer).length
  }
}

const until = async (check: () => boolean, ms = 2_000): Promise<void> => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('keepConnected', () => {
  it('dials again a peer whose first dials failed until it is connected, and leaves the connected alone', async () => {
    const net = new Dialable(new Map([['b', 2]]))
    net.online.add('a')
    const controller = new AbortController()
    const running = keepConnected(net, ['a', 'b'], { signal: controller.signal, intervalMs: 10 })
    await until(() => net.online.has('b'))
    controller.abort(new Error('stop'))
    await expect(running).rejects.toThrow('stop')
    expect(net.dialsOf('b')).toBe(3)
    expect(net.dialsOf('a')).toBe(0)
  })

  it('dials a peer that keeps failing less and less often, and redials one that went away', async () => {
    const net = new Dialable(new Map([['gone', Infinity]]))
    const controller = new AbortController()
    const running = keepConnected(net, ['gone', 'back'], {
      signal: controller.signal,
      intervalMs: 10,
      maxBackoffMs: 1_000,
    })
    await until(() => net.online.has('back'))
    net.online.delete('back')
    await until(() => net.online.has('back'))
    await new Promise((r) => setTimeout(r, 400))
    controller.abort(new Error('stop'))
    await running.catch(() => {})
    expect(net.dialsOf('back')).toBe(2)
    // 10, 20, 40, 80, 160 ms … apart: about six dials in 400 ms, not forty.
    const gone = net.dials.filter((d) => d.peer === 'gone').map((d) => d.at)
    expect(gone.length).toBeGreaterThanOrEqual(3)
    expect(gone.length).toBeLessThanOrEqual(8)
    const gaps = gone.slice(1).map((t, i) => t - gone[i]!)
    expect(gaps.at(-1)).toBeGreaterThan(gaps[0]!)
  })

  it('returns at once without a way to dial or without peers', async () => {
    const signal = new AbortController().signal
    await expect(keepConnected({ directPeers: () => [] }, ['a'], { signal })).resolves.toBe(
      undefined,
    )
    const net = new Dialable(new Map())
    await expect(keepConnected(net, [], { signal })).resolves.toBe(undefined)
    expect(net.dials).toHaveLength(0)
  })
})
