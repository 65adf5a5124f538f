/**
 * Share links opened in a fresh browser (not a member, empty storage) with the owner's device
 * closed: the guest reaches the holders through the relay and downloads over direct WebRTC.
 * One holder serves an altered shard and is named in the UI; with exactly k shards of a stripe
 * online the download succeeds, with k − 1 it says how many holders are missing and finishes by
 * itself when one returns.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { formatShareLink } from '../../src/core/index.ts'
import { shortPeerId } from '../../src/state/format.ts'
import { blocksOf, expect, openCoop, peerIdOf, test, type Peer } from './fixtures.ts'
import {
  downloadBytes,
  guestPage,
  tamperBlock,
  MiB,
  storedFile,
  uploadThroughUi,
  type ReceiptRow,
} from './transfer-helpers.ts'

// Five or six Chromium contexts on a 2-core CI machine: one retry absorbs a rare stall. (A
// Resume that stayed "interrupted" in 2 of 7 earlier runs was a failed upload whose reason the
// row hid; stripes short of holders are now tried again, and a failure names its reason.)
test.describe.configure({ retries: 1 })

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

interface Shared {
  link: string
  receipts: ReceiptRow[]
  layout: Awaited<ReturnType<typeof storedFile>>['layout']
}

/** Uploads `data` through the owner's Files view and makes a share link with holder hints. */
async function shareOf(
  owner: Peer,
  relay: { url: string; multiaddrs: string[] },
  name: string,
  data: Buffer,
): Promise<Shared> {
  await uploadThroughUi(owner.page, name, data)
  const { record, receipts, layout } = await storedFile(owner.page, name)
  const holders = [...new Set(receipts.map((r) => r.holder))]
  const link = formatShareLink(
    `${relay.url}/`,
    { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
    { relays: relay.multiaddrs.slice(0, 1), peers: holders },
  )
  return { link, receipts, layout }
}

test('a fresh browser downloads the exact bytes with the owner closed and names the holder of an altered shard', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(360_000)
  const { owner, members } = await openCoop(openPeer, { members: 4 })
  const data = randomBytes(20 * MiB)
  const { link, receipts, layout } = await shareOf(owner, relay, 'random.bin', data)

  // The holder of the first data shard alters every shard it keeps: whichever holders the
  // reader asks first (it spreads its requests, and hedges slow ones with parity shards), it
  // meets this one's bytes, and two shards per stripe lost still leave the k it needs.
  const target = layout.stripes[0]!.shards[0]!.toString()
  const holderId = receipts.find((r) => r.shard === target)!.holder
  const ids = await Promise.all(members.map((m) => peerIdOf(m.page)))
  const victim = members[ids.indexOf(holderId)]!
  const shardKeys = new Set(layout.stripes.flatMap((st) => st.shards.map((c) => c.toString())))
  const altered = [...(await blocksOf(victim.page)).keys()].filter((cid) => shardKeys.has(cid))
  expect(altered).toContain(target)
  for (const cid of altered) await tamperBlock(victim.page, cid, 'alter')

  await owner.close()
  const guest = await guestPage(browser, link)
  try {
    await expect(guest.page.getByTestId('share-name')).toHaveText('random.bin', {
      timeout: 90_000,
    })
    // The page keeps dialling the holders the link names while the reader looks at it, so the
    // download begins with all of them, the altered one included (a reader that never reached
    // it could not catch it).
    await expect
      .poll(() => guest.page.evaluate(() => window.cofferShare?.directPeers() ?? []), {
        message: 'the reader reaches the holder of the altered shards directly',
        timeout: 60_000,
      })
      .toContain(holderId)
    const started = Date.now()
    const bytes = await downloadBytes(guest.page, 180_000)
    const seconds = (Date.now() - started) / 1000
    expect(bytes.length).toBe(data.length)
    expect(sha256(bytes)).toBe(sha256(data))
    process.stdout.write(
      `20 MiB share-link download: ${seconds.toFixed(1)} s, ${(data.length / 1e6 / seconds).toFixed(2)} MB/s\n`,
    )
    await expect(guest.page.getByTestId('download-phase')).toHaveText('Downloaded')
    const reports = guest.page.getByTestId('download-bad-peer')
    await expect(reports).toHaveCount(1)
    await expect(reports).toContainText(shortPeerId(holderId))
    await expect(reports).toContainText('sent damaged data')
  } finally {
    await guest.close()
  }
})

test('exactly k shards online suffice; with k − 1 the page says what is missing and finishes when a holder returns', async ({
  openPeer,
  relay,
  browser,
}) => {
  test.setTimeout(420_000)
  const { owner, members } = await openCoop(openPeer, { members: 4 })
  const data = randomBytes(3 * MiB)
  const { link, layout } = await shareOf(owner, relay, 'three.bin', data)
  const { k } = layout

  // Two members that together hold exactly k shards of every stripe stay; the others go. A
  // store that failed for a moment leaves a stripe uneven until maintenance moves the excess,
  // so the pair is looked for until that settles.
  let pair: [number, number] | undefined
  let blocks: Map<string, number>[] = []
  await expect(async () => {
    blocks = await Promise.all(members.map((m) => blocksOf(m.page)))
    const count = (i: number, s: number) =>
      layout.stripes[s]!.shards.filter((c) => blocks[i]!.has(c.toString())).length
    for (let i = 0; i < members.length && !pair; i++) {
      for (let j = i + 1; j < members.length && !pair; j++) {
        if (layout.stripes.every((_, s) => count(i, s) + count(j, s) === k)) pair = [i, j]
      }
    }
    const spread = layout.stripes.map((_, s) => members.map((_, i) => count(i, s)).join('/'))
    expect(
      pair,
      `two members hold exactly k shards of each stripe (${spread.join(' ')})`,
    ).toBeDefined()
  }).toPass({ timeout: 60_000 })
  const [a, b] = pair!
  const away = members.filter((_, i) => i !== a && i !== b)
  await owner.close()
  for (const m of away) await m.page.close()

  const first = await guestPage(browser, link)
  try {
    await expect(first.page.getByTestId('share-name')).toHaveText('three.bin', { timeout: 90_000 })
    const bytes = await downloadBytes(first.page, 180_000)
    expect(sha256(bytes)).toBe(sha256(data))
  } finally {
    await first.close()
  }

  // One of the k shards of stripe 0 is lost: k − 1 remain reachable.
  const lost = layout.stripes[0]!.shards.find((c) => blocks[a]!.has(c.toString()))!.toString()
  await tamperBlock(members[a]!.page, lost, 'drop')

  const second = await guestPage(browser, link)
  try {
    await expect(second.page.getByTestId('share-name')).toHaveText('three.bin', {
      timeout: 90_000,
    })
    const [download] = await Promise.all([
      second.page.waitForEvent('download', { timeout: 300_000 }),
      (async () => {
        await second.page.getByTestId('share-download').click()
        const wait = second.page.getByTestId('download-wait')
        await expect(wait).toContainText('needs 1 more holder', { timeout: 120_000 })
        await expect(wait).toContainText(`Only ${k - 1} of the ${k} encrypted parts`)
        await expect(second.page.getByTestId('download-phase')).toHaveText('Waiting for holders')
        // A member that was away comes back (same browser profile: same peer, same shards).
        const back = await away[0]!.context.newPage()
        await back.goto(new URL('/#/files', relay.url).href)
      })(),
    ])
    const bytes = await readFile(await download.path())
    expect(sha256(bytes)).toBe(sha256(data))
    await expect(second.page.getByTestId('download-phase')).toHaveText('Downloaded')
    await expect(second.page.getByTestId('download-wait')).toHaveCount(0)
  } finally {
    await second.close()
  }
})
