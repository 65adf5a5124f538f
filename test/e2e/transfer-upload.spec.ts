/**
 * Uploading through the Files view, with real peers in Chromium and a real relay: shards end up
 * in the other members' IndexedDB spread by the placement rule; a full pledge is respected;
 * an upload cut off by a closed tab is listed as interrupted and finishes on Resume; delete
 * frees the holders' space; a file stored while too few members were online is spread further
 * when more join.
 */
import { randomBytes } from 'node:crypto'
import {
  blocksOf,
  expect,
  idbValues,
  inviteLinkOf,
  openCoop,
  peerIdOf,
  test,
  type CofferWindow,
  waitForDirectPeers,
} from './fixtures.ts'
import {
  expectSpread,
  fileRow as row,
  heldBytes,
  MiB,
  openFiles,
  storedFile,
  type FileRow,
} from './transfer-helpers.ts'

// Five or six Chromium contexts on a 2-core CI machine: one retry absorbs a rare stall. (A
// Resume that stayed "interrupted" in 2 of 7 earlier runs was a failed upload whose reason the
// row hid; stripes short of holders are now tried again, and a failure names its reason.)
test.describe.configure({ retries: 1 })

test('four members keep a 20 MiB upload spread by the placement rule; delete frees them', async ({
  openPeer,
}) => {
  test.setTimeout(300_000)
  const { owner, members } = await openCoop(openPeer, { members: 4, persistent: true })
  await openFiles(owner.page)
  const data = randomBytes(20 * MiB)
  const started = Date.now()
  await owner.page.getByTestId('file-input').setInputFiles({
    name: 'random.bin',
    mimeType: 'application/octet-stream',
    buffer: data,
  })
  await expect(row(owner.page, 'random.bin')).toHaveAttribute('data-state', 'complete', {
    timeout: 240_000,
  })
  const seconds = (Date.now() - started) / 1000
  const mbps = data.length / 1e6 / seconds
  test.info().annotations.push({ type: 'upload MB/s', description: mbps.toFixed(2) })
  process.stdout.write(
    `20 MiB upload to complete: ${seconds.toFixed(1)} s, ${mbps.toFixed(2)} MB/s\n`,
  )

  const { layout } = await storedFile(owner.page, 'random.bin')
  expect(layout.stripes).toHaveLength(20)
  const memberIds = await Promise.all(members.map((m) => peerIdOf(m.page)))
  // A store that fails for a moment under load leaves its shard on a member that already had
  // its share; the owner's maintenance pass then moves it (the file is safe all along), so the
  // spread and the receipts are checked once that settles.
  await expect(async () => {
    const { receipts } = await storedFile(owner.page, 'random.bin')
    // Placement counts only members the owner reaches directly: say which it does not.
    const direct = await owner.page.evaluate(
      () =>
        (window as CofferWindow).coffer?.node
          ?.peers()
          .filter((p) => p.direct)
          .map((p) => p.peerId) ?? [],
    )
    const unreached = memberIds.flatMap((id, i) => (direct.includes(id) ? [] : [i]))
    const blocks = await expectSpread(layout, members, true, {
      rows: receipts,
      memberIds,
    }).catch((err: unknown) => {
      const reach = unreached.length === 0 ? 'every member' : `not member ${unreached.join(', ')}`
      throw new Error(`${(err as Error).message} [the owner reaches directly ${reach}]`)
    })
    // Receipts cover every shard and name peers that really hold it.
    for (const stripe of layout.stripes) {
      for (const cid of stripe.shards) {
        const holders = receipts.filter((r) => r.shard === cid.toString()).map((r) => r.holder)
        expect(holders.length).toBeGreaterThan(0)
        for (const h of holders) {
          expect(blocks[memberIds.indexOf(h)]?.has(cid.toString())).toBe(true)
        }
      }
    }
  }).toPass({ timeout: 60_000 })
  const { record, receipts } = await storedFile(owner.page, 'random.bin')
  // The manifest is replicated too.
  expect(receipts.filter((r) => r.shard === record.manifestCid).length).toBeGreaterThanOrEqual(2)
  await expect(row(owner.page, 'random.bin').getByTestId('file-health')).toContainText(
    '160/160 shards on 4 peers',
  )

  // Delete: every holder frees the space.
  const before = await Promise.all(members.map((m) => heldBytes(m.page)))
  expect(before.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40 * MiB)
  await row(owner.page, 'random.bin').getByTestId('delete').click()
  await row(owner.page, 'random.bin').getByTestId('confirm-delete').click()
  await expect(row(owner.page, 'random.bin')).toHaveCount(0)
  await expect
    .poll(async () => (await Promise.all(members.map((m) => heldBytes(m.page)))).join(','), {
      timeout: 120_000,
    })
    .toBe(members.map(() => 0).join(','))
  const after = await Promise.all(members.map((m) => blocksOf(m.page)))
  for (const stripe of layout.stripes) {
    for (const cid of stripe.shards) {
      expect(after.some((b) => b.has(cid.toString()))).toBe(false)
    }
  }
})

test('a member whose pledge is full refuses shards, which go to the others', async ({
  openPeer,
}) => {
  const { owner, members } = await openCoop(openPeer, { members: 4 })
  const small = members[0]!
  await small.page.getByTestId('nav-device').click()
  await small.page.getByTestId('pledge-edit').click()
  await small.page.getByTestId('pledge-input').fill('1')
  await small.page.getByTestId('pledge-save').click()
  await expect(small.page.getByTestId('pledge-pledged')).toHaveText('1.0 MB')

  await openFiles(owner.page)
  await owner.page.getByTestId('file-input').setInputFiles({
    name: 'eight.bin',
    mimeType: 'application/octet-stream',
    buffer: randomBytes(8 * MiB),
  })
  await expect(row(owner.page, 'eight.bin')).toHaveAttribute('data-state', 'complete', {
    timeout: 120_000,
  })
  const { layout } = await storedFile(owner.page, 'eight.bin')
  await expectSpread(layout, members)
  // The full member kept no more than it pledged, and says so.
  expect(await heldBytes(small.page)).toBeLessThanOrEqual(1_000_000)
  await small.page.getByTestId('nav-peers').click()
  await small.page.getByTestId('nav-device').click()
  const used = Number(await small.page.getByTestId('pledge-used').getAttribute('data-bytes'))
  expect(used).toBeLessThanOrEqual(1_000_000)
})

test('a tab closed mid-upload is listed as interrupted and Resume finishes it', async ({
  openPeer,
}) => {
  test.setTimeout(420_000)
  const { owner, members } = await openCoop(openPeer, { members: 4 })
  await openFiles(owner.page)
  const data = randomBytes(12 * MiB)
  const file = { name: 'cut.bin', mimeType: 'application/octet-stream', buffer: data }
  await owner.page.getByTestId('file-input').setInputFiles(file)
  // Wait until part of it is stored, then close the tab.
  await expect
    .poll(
      async () =>
        Number(
          (await row(owner.page, 'cut.bin')
            .getByTestId('upload-progress')
            .getAttribute('data-stored', { timeout: 1_000 })
            .catch(() => '0')) ?? '0',
        ),
      { timeout: 120_000, intervals: [100] },
    )
    .toBeGreaterThan(0.1)
  await owner.page.close()

  const page = await owner.context.newPage()
  await page.goto(new URL('/#/files', members[0]!.page.url()).href)
  await expect(page.getByTestId('pick-files')).toBeEnabled({ timeout: 60_000 })
  await expect(row(page, 'cut.bin')).toHaveAttribute('data-state', 'interrupted')
  await expect(row(page, 'cut.bin').getByTestId('file-health')).toContainText('Interrupted')
  const files = await idbValues<FileRow>(page, 'coffer', 'files')
  expect(files.find((f) => f.name === 'cut.bin')?.manifestCid).toBeUndefined()

  await page.waitForFunction(
    () =>
      ((window as { coffer?: { node?: { peers(): Array<{ direct: boolean }> } } }).coffer?.node
        ?.peers()
        .filter((p) => p.direct).length ?? 0) >= 2,
    undefined,
    { timeout: 90_000, polling: 200 },
  )
  await row(page, 'cut.bin').getByTestId('resume-input').setInputFiles(file)
  // On failure this names what the row said (a failed Resume shows its reason there).
  await expect
    .poll(
      async () => {
        const r = row(page, 'cut.bin')
        const state = await r.getAttribute('data-state')
        if (state === 'complete') return state
        const health = await r
          .getByTestId('file-health')
          .textContent({ timeout: 1_000 })
          .catch(() => 'uploading')
        return `${state}: ${health}`
      },
      { timeout: 180_000, intervals: [500] },
    )
    .toBe('complete')
  const { layout } = await storedFile(page, 'cut.bin')
  expect(layout.stripes).toHaveLength(12)
  await expectSpread(layout, members)
})

test('a file stored with one member online is at risk, and is spread when more members join', async ({
  openPeer,
}) => {
  test.setTimeout(300_000)
  const { owner, members } = await openCoop(openPeer, { members: 1 })
  await openFiles(owner.page)
  await owner.page.getByTestId('file-input').setInputFiles({
    name: 'early.bin',
    mimeType: 'application/octet-stream',
    buffer: randomBytes(4 * MiB),
  })
  const health = row(owner.page, 'early.bin').getByTestId('file-health')
  // One member may keep at most n − k = 4 of a stripe's 8 shards: readable, not yet safe.
  await expect(health).toContainText('At risk', { timeout: 120_000 })
  await expect(health).toContainText('16/32 shards on 1 peer')

  // The other half of every stripe has no holder at all: the members who join build those
  // shards from the four the first member keeps (repair), and the badge turns safe.
  const invite = await inviteLinkOf(owner.page)
  const joined = await Promise.all([1, 2, 3].map(() => openPeer({ url: invite })))
  const all = [...members, ...joined]
  // The owner spreads over the members it reaches directly.
  await waitForDirectPeers(owner.page, all.length, 90_000)
  await expect(health).toContainText('Safe', { timeout: 180_000 })
  await expect(health).toContainText('32/32 shards on 4 peers')
  const { layout } = await storedFile(owner.page, 'early.bin')
  await expectSpread(layout, all)
})
