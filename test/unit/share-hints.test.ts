import { describe, expect, it } from 'vitest'
import { peerIdFromDeviceKey } from '../../src/core/roster/keys.ts'
import { LINK_HOLDERS, linkHolders, linkRelays } from '../../src/state/share-hints.ts'

/** Ed25519 peer ids, the only kind a link can name. */
const [A, B, C, D, E, F, K] = [1, 2, 3, 4, 5, 6, 7].map((b) =>
  peerIdFromDeviceKey(new Uint8Array(32).fill(b)),
) as [string, string, string, string, string, string, string]

const RELAY =
  '/dns4/coop.example.org/tcp/443/wss/p2p/12D3KooWAxzCBFVtEyKLnRm43gHxigCoe2d4UmkRTXhBNSv5bcCx'
const LOCAL = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWAxzCBFVtEyKLnRm43gHxigCoe2d4UmkRTXhBNSv5bcCx'

/** One stripe of n = 4 (k = 2): shard s0…s3 held as given, plus the manifest. */
function oneStripe(owners: string[], manifest: string[]): Map<string, string[]> {
  return new Map([['m', manifest], ...owners.map((p, i): [string, string[]] => [`s${i}`, [p]])])
}

describe('what the app puts in a share link (docs/FORMAT.md §9.3)', () => {
  it('names no relay when the link’s own config.json is the relay’s', () => {
    expect(linkRelays('https://coop.example.org/', [RELAY])).toEqual([])
    expect(linkRelays('http://127.0.0.1:9090/', [LOCAL])).toEqual([])
    // An app served elsewhere: the reader could not find the relay without the link.
    expect(linkRelays('https://static.example.net/coffer/', [RELAY])).toEqual([RELAY])
    expect(linkRelays('http://127.0.0.1:8080/', [LOCAL])).toEqual([LOCAL])
  })

  it('names no holder when the keepers hold the manifest and k of every stripe', () => {
    const holders = oneStripe([K, K, A, B], [K, A])
    const shape = { k: 2, n: 4, stripes: 1 }
    expect(
      linkHolders({ baseUrl: '', relays: [], holders, keepers: [K], manifest: 'm', shape }),
    ).toEqual([])
  })

  it('names the fewest holders that, with the keepers, leave at most n − k shards unheld', () => {
    const shape = { k: 2, n: 4, stripes: 1 }
    const holders = oneStripe([A, A, B, C], [A, B])
    expect(linkHolders({ baseUrl: '', relays: [], holders, manifest: 'm', shape })).toEqual([A])
    // The manifest must be held by a named holder too.
    const elsewhere = oneStripe([A, A, B, C], [C])
    expect(
      linkHolders({ baseUrl: '', relays: [], holders: elsewhere, manifest: 'm', shape }),
    ).toEqual([A, C])
  })

  it('counts unplaced shards as missing, and without k and n names every holder up to the cap', () => {
    // Two of four shards placed: nothing may be left out.
    const partial = new Map([
      ['m', [A]],
      ['s0', [A]],
      ['s1', [B]],
    ])
    const shape = { k: 2, n: 4, stripes: 1 }
    expect(
      linkHolders({ baseUrl: '', relays: [], holders: partial, manifest: 'm', shape }),
    ).toEqual([A, B])
    const many = oneStripe([A, B, C, D, E, F], [A])
    expect(linkHolders({ baseUrl: '', relays: [], holders: many, manifest: 'm' })).toHaveLength(
      LINK_HOLDERS,
    )
    expect(linkHolders({ baseUrl: '', relays: [], holders: [A, B, A, 'QmNotEd25519'] })).toEqual([
      A,
      B,
    ])
  })
})
