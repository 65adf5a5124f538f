/** The Peers view, with real peers connected through a real relay. */
import { test, expect, inviteLinkOf, peerIdOf } from './fixtures.ts'

test('two members each see the other listed as a direct peer', async ({ openPeer }) => {
  const a = await openPeer()
  const idA = await peerIdOf(a.page)
  const b = await openPeer({ url: await inviteLinkOf(a.page) })
  const idB = await peerIdOf(b.page)

  for (const [page, other] of [
    [a.page, idB],
    [b.page, idA],
  ] as const) {
    const row = page.getByTestId('peer').filter({ has: page.locator(`[title="${other}"]`) })
    await expect(row.getByTestId('peer-via')).toHaveText('direct', { timeout: 60_000 })
    await expect(row).toContainText(other.slice(-8))
    await expect(page.getByTestId('peer')).toHaveCount(1)
  }
  // The invite was consumed: B's address bar no longer carries it.
  expect(new URL(b.page.url()).hash).toBe('#/peers')
  await expect(b.page.getByTestId('coop-name')).toHaveText(
    await a.page.getByTestId('coop-name').innerText(),
  )
})
