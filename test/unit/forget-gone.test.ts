import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { forgetGoneHolders } from '../../src/engine/repair/forget-gone.ts'
import { openCofferDB, type ReceiptRecord } from '../../src/storage/db.ts'
import { saveReceipts } from '../../src/storage/receipts.ts'

const DAY = 24 * 60 * 60 * 1000
let dbCount = 0

function receipt(shard: string, holder: string): ReceiptRecord {
  return { file: 'f', shard, holder, size: 100, time: 0, signature: new Uint8Array(64) }
}

describe('lazy repair: forgetting holders gone for good', () => {
  it('keeps an absent holder within its grace period and forgets one past it', async () => {
    const db = await openCofferDB(`forget-gone-${dbCount++}`)
    await saveReceipts(db, [
      receipt('s1', 'online'),
      receipt('s2', 'weekend'),
      receipt('s3', 'gone'),
      receipt('s4', 'gone'),
      receipt('s5', 'keeper'),
    ])
    const t0 = 1_000 * DAY
    const isKeeper = (p: string): boolean => p === 'keeper'
    const all = ['online', 'weekend', 'gone', 'keeper']
    expect(await forgetGoneHolders(db, { online: all, now: t0, isKeeper })).toEqual([])

    // Two days later the keeper (3 days' grace) and the member (14 days) are still counted.
    expect(
      await forgetGoneHolders(db, { online: ['online'], now: t0 + 2 * DAY, isKeeper }),
    ).toEqual([])
    // On day 4 the keeper is past its grace; the weekend member comes back on day 13.
    expect(
      await forgetGoneHolders(db, { online: ['online'], now: t0 + 4 * DAY, isKeeper }),
    ).toEqual(['keeper'])
    await forgetGoneHolders(db, { online: ['online', 'weekend'], now: t0 + 13 * DAY, isKeeper })
    // On day 15 only the member absent since day 0 is past its 14 days.
    expect(
      await forgetGoneHolders(db, { online: ['online'], now: t0 + 15 * DAY, isKeeper }),
    ).toEqual(['gone'])
    const left = (await db.getAll('receipts')).map((r) => r.shard).sort()
    expect(left).toEqual(['s1', 's2'])
  })

  it('starts the clock for a holder it meets offline, and honours a shortened grace', async () => {
    const db = await openCofferDB(`forget-gone-${dbCount++}`)
    await saveReceipts(db, [receipt('s1', 'never-seen')])
    const t0 = 2_000 * DAY
    expect(await forgetGoneHolders(db, { online: [], now: t0 })).toEqual([])
    expect(
      await forgetGoneHolders(db, { online: [], now: t0 + 59_000, memberGraceMs: 60_000 }),
    ).toEqual([])
    expect(
      await forgetGoneHolders(db, { online: [], now: t0 + 61_000, memberGraceMs: 60_000 }),
    ).toEqual(['never-seen'])
    expect(await db.getAll('receipts')).toEqual([])
  })
})
