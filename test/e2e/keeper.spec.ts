/**
 * A keeper keeps a co-op's files readable with every member's tab closed: a real relay that
 * names the keeper (`--keeper`), one `coffer-keeper` process, the owner and one other member in
 * Chromium. The owner uploads; the member and the keeper hold the shards (4 of 8 each, so the
 * keeper alone holds k); both tabs close; a stranger's share link downloads the file from the
 * keeper alone, over a direct WebSocket, bytes equal.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { formatShareLink } from '../../src/core/index.ts'
import {
  buildOnce,
  expect,
  inviteLinkOf,
  peerIdOf,
  startRelayProcess,
  test as base,
  waitForDirectPeers,
} from './fixtures.ts'
import { downloadBytes, guestPage, MiB, storedFile, uploadThroughUi } from './transfer-helpers.ts'
import { spawnKeeper, type KeeperProcess } from '../keeper/keeper-process.ts'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** A keeper's data directory with its key made ahead, so the relay can name it at start. */
interface KeeperPrep {
  dataDir: string
  peerId: string
  port: number
  multiaddr: string
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  const address = server.address()
  await new Promise<void>((res) => server.close(() => res()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

const test = base.extend<{ keeperPrep: KeeperPrep }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's needs from this pattern
  keeperPrep: async ({}, use) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-e2e-keeper-'))
    const key = await generateKeyPair('Ed25519')
    await writeFile(join(dataDir, 'peer-key'), privateKeyToProtobuf(key), { mode: 0o600 })
    const peerId = peerIdFromPrivateKey(key).toString()
    const port = await freePort()
    const multiaddr = `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${peerId}`
    try {
      await use({ dataDir, peerId, port, multiaddr })
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  },
  relay: async ({ app, keeperPrep }, use) => {
    const relay = await startRelayProcess({
      appDir: await buildOnce(app),
      extraArgs: ['--keeper', keeperPrep.multiaddr],
    })
    try {
      await use(relay)
    } finally {
      await relay.stop()
      await rm(relay.dataDir, { recursive: true, force: true })
    }
  },
  extraHosts: async ({ keeperPrep }, use) => use([`127.0.0.1:${keeperPrep.port}`]),
})

test('a share link downloads the file from the keeper alone once every member tab is closed', async ({
  openPeer,
  relay,
  browser,
  keeperPrep,
}) => {
  test.setTimeout(300_000)
  const owner = await openPeer()
  const invite = await inviteLinkOf(owner.page)
  let keeper: KeeperProcess | undefined
  try {
    keeper = await spawnKeeper({
      invite,
      dataDir: keeperPrep.dataDir,
      port: keeperPrep.port,
      pledge: '1GB',
    })
    expect(keeper.peerId).toBe(keeperPrep.peerId)
    const member = await openPeer({ url: invite })
    const memberId = await peerIdOf(member.page)
    // The member through WebRTC, the keeper through its WebSocket: both direct.
    await waitForDirectPeers(owner.page, 2, 90_000)

    const data = randomBytes(6 * MiB)
    await uploadThroughUi(owner.page, 'kept.bin', data)
    const { record, receipts, layout } = await storedFile(owner.page, 'kept.bin')
    const holders = new Set(receipts.map((r) => r.holder))
    expect(holders).toEqual(new Set([memberId, keeper.peerId]))
    // Every stripe has at least k of its shards on the keeper.
    for (const stripe of layout.stripes) {
      const onKeeper = stripe.shards.filter((cid) =>
        receipts.some((r) => r.shard === cid.toString() && r.holder === keeper!.peerId),
      )
      expect(onKeeper.length).toBeGreaterThanOrEqual(layout.k)
    }
    expect((await keeper.health()).shards).toBeGreaterThanOrEqual(layout.stripes.length * layout.k)

    const link = formatShareLink(
      `${relay.url}/`,
      { kind: 'read', manifest: CID.parse(record.manifestCid!), key: new Uint8Array(record.key) },
      { relays: relay.multiaddrs.slice(0, 1), peers: [...holders] },
    )
    await member.close()
    await owner.close()

    const guest = await guestPage(browser, link)
    try {
      await expect(guest.page.getByTestId('share-name')).toHaveText('kept.bin', {
        timeout: 90_000,
      })
      const bytes = await downloadBytes(guest.page, 180_000)
      expect(bytes.length).toBe(data.length)
      expect(sha256(bytes)).toBe(sha256(data))
      // Only the keeper was there to serve it, over its WebSocket.
      expect(await guest.page.evaluate(() => window.cofferShare?.directPeers() ?? [])).toEqual([
        keeper.peerId,
      ])
      expect(await keeper.metrics()).toMatch(
        /coffer_keeper_requests_total\{protocol="fetch",request="fetch",outcome="ok"\} [1-9]/,
      )
    } finally {
      await guest.close()
    }
  } finally {
    await keeper?.kill()
  }
})
