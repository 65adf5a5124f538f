/** The app shell on a phone-sized screen, by role and accessible name, with a real relay. */
import { test, expect, peerIdOf } from './fixtures.ts'

test.use({ viewport: { width: 360, height: 740 } })

test('the shell fits a 360 px phone screen and every control has a name', async ({
  relay,
  openPeer,
}) => {
  const { page } = await openPeer({ url: relay.url })
  const peerId = await peerIdOf(page)

  const header = page.getByRole('banner')
  await expect(header.getByRole('heading', { level: 1 })).toHaveText('My co-op')
  await expect(header.getByRole('status')).toHaveText('Online')
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  await expect(page.getByRole('heading', { name: /Peers/ })).toBeVisible()
  await expect(page.getByTestId('no-peers')).toBeVisible()

  // Invite: a disclosure button, then the link and a copy button.
  const invite = page.getByRole('button', { name: 'Invite someone' })
  await expect(invite).toHaveAttribute('aria-expanded', 'false')
  await invite.click()
  await expect(invite).toHaveAttribute('aria-expanded', 'true')
  const link = page.getByRole('textbox', { name: 'Invite link' })
  await expect(link).toBeVisible()
  await expect(link).toHaveValue(new RegExp(`^${relay.url}/#/join/[A-Za-z0-9_-]+$`))
  await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible()

  // This device.
  await page.getByRole('link', { name: 'This device' }).click()
  await expect(page).toHaveURL(/#\/device$/)
  const device = page.getByRole('region', { name: 'This device' })
  await expect(device).toBeVisible()
  await expect(device.getByTestId('peer-id')).toHaveText(peerId)
  await expect(device.getByTestId('storage-estimate')).toHaveText(/used of .* available/)
  await expect(device.getByTestId('persistent')).toHaveText(/^(Yes|Not yet)/)

  // Nothing sticks out sideways at 360 px, on either view.
  for (const hash of ['#/device', '#/peers']) {
    await page.goto(`${relay.url}/${hash}`)
    await expect(page.getByRole('banner')).toBeVisible()
    await page.getByRole('button', { name: 'Invite someone' }).click()
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    expect(overflow).toBeLessThanOrEqual(0)
  }

  // Every interactive element has an accessible name.
  const controls = page.locator('button, a[href], input, select, textarea')
  const count = await controls.count()
  expect(count).toBeGreaterThanOrEqual(5)
  for (let i = 0; i < count; i++) {
    await expect(controls.nth(i)).toHaveAccessibleName(/\S/)
  }
})

test('the shell works from the keyboard alone', async ({ relay, openPeer }) => {
  const { page } = await openPeer({ url: relay.url })
  await peerIdOf(page)
  const invite = page.getByRole('button', { name: 'Invite someone' })
  await invite.focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('textbox', { name: 'Invite link' })).toBeVisible()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('textbox', { name: 'Invite link' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Copy link' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Close' })).toBeFocused()
  // Escape closes the panel and gives the focus back to the button that opened it.
  await page.keyboard.press('Escape')
  await expect(page.getByRole('textbox', { name: 'Invite link' })).toHaveCount(0)
  await expect(invite).toBeFocused()
  await expect(invite).toHaveAttribute('aria-expanded', 'false')
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: 'Close' }).focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('textbox', { name: 'Invite link' })).toHaveCount(0)
  await expect(invite).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('link', { name: 'Files' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('link', { name: 'Peers' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('link', { name: 'This device' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('region', { name: 'This device' })).toBeVisible()
})

test('Copy link puts the invite link on the clipboard', async ({ relay, openPeer }) => {
  const { page, context } = await openPeer({ url: relay.url })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: relay.url })
  await peerIdOf(page)
  await page.getByRole('button', { name: 'Invite someone' }).click()
  const link = await page.getByRole('textbox', { name: 'Invite link' }).inputValue()
  await page.getByRole('button', { name: 'Copy link' }).click()
  await expect(page.getByText('Copied.')).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link)
})

test('a damaged invite link shows a plain message, not a blank page', async ({
  relay,
  openPeer,
}) => {
  const { page } = await openPeer({ url: `${relay.url}/#/join/bm90LWFuLWludml0ZQ` })
  const alert = page.getByRole('alert').filter({ hasText: 'invite link' })
  await expect(alert).toContainText('This invite link is incomplete or damaged')
  await expect(alert).toContainText('for a new link')
  await expect(page.getByRole('banner')).toBeVisible()
})

test('when the relay goes away the app says so and what to do, and recovers by itself', async ({
  relay,
  openPeer,
}) => {
  const { page } = await openPeer({ url: relay.url })
  await peerIdOf(page)
  await relay.stop()
  await expect(page.getByTestId('status')).toHaveText('Offline', { timeout: 60_000 })
  await expect(page.getByRole('alert')).toContainText('cannot reach the co-op’s relay')
  await relay.restart()
  await expect(page.getByTestId('status')).toHaveText('Online', { timeout: 60_000 })
  await expect(page.getByRole('alert')).toHaveCount(0)
})

test('after a reload on This device, the space for others shows its figures', async ({
  relay,
  openPeer,
}) => {
  const { page } = await openPeer({ url: `${relay.url}/#/device` })
  await peerIdOf(page)
  const pledge = page.getByTestId('pledge')
  await expect(pledge.getByTestId('pledge-pledged')).toBeVisible()
  await page.reload()
  await expect(page.getByRole('region', { name: 'This device' })).toBeVisible()
  await expect(pledge.getByTestId('pledge-pledged')).toBeVisible()
  await expect(pledge).not.toContainText('Coffer is starting')
})
