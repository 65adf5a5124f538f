import { describe, expect, it } from 'vitest'
import { CandidateCache } from '../../src/engine/upload/candidates.ts'

describe('placement candidates', () => {
  it('keeps the last answer of a connected peer that does not answer, drops a full one', async () => {
    const free = new Map<string, number | 'silent'>([
      ['a', 1000],
      ['b', 2000],
      ['c', 3000],
    ])
    let asked = 0
    const network = {
      freeSpace: (peer: string) => {
        asked++
        const v = free.get(peer)
        return v === 'silent' || v === undefined
          ? Promise.reject(new Error('timeout'))
          : Promise.resolve(v)
      },
    }
    const cache = new CandidateCache(network, () => ['a', 'b', 'c'], 60_000)
    expect(await cache.get()).toEqual([
      { peerId: 'a', free: 1000 },
      { peerId: 'b', free: 2000 },
      { peerId: 'c', free: 3000 },
    ])
    // Within the TTL nothing is asked; what this upload sent is taken off.
    cache.spent('b', 500)
    expect((await cache.get()).find((c) => c.peerId === 'b')?.free).toBe(1500)
    expect(asked).toBe(3)

    free.set('b', 'silent')
    free.set('c', 0)
    const next = await cache.get({ fresh: true })
    expect(asked).toBe(6)
    expect(next).toEqual([
      { peerId: 'a', free: 1000 },
      { peerId: 'b', free: 1500 },
    ])
  })

  it('leaves out a silent peer it never heard from', async () => {
    const network = {
      freeSpace: (peer: string) =>
        peer === 'x' ? Promise.reject(new Error('gone')) : Promise.resolve(10),
    }
    const cache = new CandidateCache(network, () => ['x', 'y'])
    expect(await cache.get()).toEqual([{ peerId: 'y', free: 10 }])
  })

  it('asks a peer with no earlier answer once more before leaving it out', async () => {
    const failures = new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ])
    const network = {
      freeSpace: (peer: string) => {
        const left = failures.get(peer)!
        failures.set(peer, left - 1)
        return left > 0 ? Promise.reject(new Error('stream failed')) : Promise.resolve(100)
      },
    }
    const cache = new CandidateCache(network, () => ['a', 'b', 'c'], 60_000)
    // b answers on the second question; c fails twice and is left out for now.
    expect((await cache.get()).map((c) => c.peerId)).toEqual(['a', 'b'])
    expect((await cache.get({ fresh: true })).map((c) => c.peerId)).toEqual(['a', 'b', 'c'])
  })
})
