import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { loadCoop, saveCoop } from '../../src/app/coop-store.ts'
import { coopKeys, createCoop } from '../../src/net/coop.ts'
import { openCofferDB } from '../../src/storage/db.ts'

const RELAY = '/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWAhbeeikDvYbWKhHYC14wTKHyN4QDSJkqks4i3htoNZCn'

describe('stored co-op', () => {
  it('keeps the secret across save and load', async () => {
    const name = `coop-store-${Math.random()}`
    const coop = createCoop({ relays: [RELAY] })
    await saveCoop(coop, name)
    expect(await loadCoop(name)).toEqual(coop)
  })

  it('gives a co-op stored without a secret one on first load, once', async () => {
    const name = `coop-store-${Math.random()}`
    const db = await openCofferDB(name)
    // As the previous version stored it.
    await db.put('kv', { id: 'a'.repeat(26), name: 'Old', relays: [RELAY] }, 'coop')
    db.close()
    const first = await loadCoop(name)
    expect(first?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(() => coopKeys(first!)).not.toThrow()
    expect((await loadCoop(name))?.secret).toBe(first?.secret)
  })
})
