import type { Page } from '@playwright/test'
import {
  test,
  expect,
  inviteLinkOf,
  peerIdOf,
  peersOf,
  waitForDirectPeers,
  waitForStatus,
  type Peer,
} from './fixtures.ts'
import type { RunningCofferNode } from '../../src/net/index.ts'

// The network layer on its own test page (test/e2e/pages/), real relay, real Chromium.
test.use({ app: 'net-page' })

const TEST_PROTOCOL = '/coffer/e2e-hello/1.0.0'

interface TestWindow {
  coffer?: { node?: RunningCofferNode }
  received?: string[]
}

/** Connections of the page's node to `peerIds`, read from libp2p itself. */
function connectionsTo(page: Page, peerIds: string[]) {
  return page.evaluate((ids) => {
    const node = (window as TestWindow).coffer?.node
    if (!node) throw new Error('no node')
    return node.libp2p
      .getConnections()
      .filter((c) => ids.includes(c.remotePeer.toString()) && c.status === 'open')
      .map((c) => ({
        peer: c.remotePeer.toString(),
        limited: c.limits !== undefined,
        remoteAddr: c.remoteAddr.toString(),
      }))
  }, peerIds)
}

/** Every incoming hello is recorded in window.received and answered with "ack <text>". */
async function answerHellos(page: Page): Promise<void> {
  await page.evaluate(async (protocol) => {
    const w = window as TestWindow
    const node = w.coffer?.node
    if (!node) throw new Error('no node')
    w.received = []
    await node.libp2p.handle(protocol, async (stream) => {
      // One newline-terminated line each way; no reliance on half-close.
      let text = ''
      const decoder = new TextDecoder()
      // Read by hand: leaving a for-await early would close the stream before the reply.
      const chunks = stream[Symbol.asyncIterator]()
      while (!text.includes('\n')) {
        const next = await chunks.next()
        if (next.done === true) break
        text += decoder.decode(next.value.subarray(), { stream: true })
      }
      const line = text.split('\n')[0] ?? ''
      w.received?.push(line)
      stream.send(new TextEncoder().encode(`ack ${line}\n`))
      await stream.close()
    })
  }, TEST_PROTOCOL)
}

/** Sends a hello over the direct (unlimited) connection to `to` and returns the reply. */
function sayHello(page: Page, to: string, text: string): Promise<string> {
  return page.evaluate(
    async ({ to, text, protocol }) => {
      const node = (window as TestWindow).coffer?.node
      if (!node) throw new Error('no node')
      const conn = node.libp2p
        .getConnections()
        .find((c) => c.remotePeer.toString() === to && c.status === 'open' && !c.limits)
      if (!conn) throw new Error(`no direct connection to ${to}`)
      const signal = AbortSignal.timeout(10_000)
      const stream = await conn.newStream(protocol, { signal })
      signal.addEventListener('abort', () => stream.abort(new Error('hello timed out')))
      stream.send(new TextEncoder().encode(`${text}\n`))
      let reply = ''
      const decoder = new TextDecoder()
      const chunks = stream[Symbol.asyncIterator]()
      while (!reply.includes('\n')) {
        const next = await chunks.next()
        if (next.done === true) break
        reply += decoder.decode(next.value.subarray(), { stream: true })
      }
      await stream.close().catch(() => {})
      reply = reply.split('\n')[0] ?? ''
      return reply
    },
    { to, text, protocol: TEST_PROTOCOL },
  )
}

/** Opens the founder and two members who join through the founder's invite link. */
async function openCoop(
  openPeer: (o?: { url?: string; persistent?: boolean }) => Promise<Peer>,
  persistent = false,
) {
  const started = Date.now()
  const founder = await openPeer({ persistent })
  const invite = await inviteLinkOf(founder.page)
  const members = [founder]
  for (let i = 0; i < 2; i++) members.push(await openPeer({ url: invite, persistent }))
  const ids = await Promise.all(members.map((p) => peerIdOf(p.page)))
  return { members, ids, invite, started }
}

test('three peers of a co-op connect directly over WebRTC and keep talking without the relay', async ({
  openPeer,
  relay,
}) => {
  const { members, ids, started } = await openCoop(openPeer)
  const opened = Date.now()
  await Promise.all(members.map((p) => waitForDirectPeers(p.page, 2)))
  process.stdout.write(
    `three peers: all pairs direct ${Date.now() - opened} ms after the last page opened ` +
      `(${Date.now() - started} ms after the first)\n`,
  )

  for (const [i, p] of members.entries()) {
    const others = ids.filter((_, j) => j !== i)
    const listed = await peersOf(p.page)
    expect(listed.map((v) => v.peerId).sort()).toEqual([...others].sort())
    expect(listed.every((v) => v.direct)).toBe(true)
    // From libp2p's own connection objects: each other peer has an unlimited WebRTC one.
    // A pair settles on exactly one: duplicates from crossed or half-failed dials are closed.
    for (const other of others) {
      await expect
        .poll(
          async () =>
            (await connectionsTo(p.page, [other]))
              .filter((c) => !c.limited)
              .map((c) => c.remoteAddr.includes('/webrtc')),
          { message: `${ids[i]} → ${other}` },
        )
        .toEqual([true])
    }
  }

  await Promise.all(members.map((p) => answerHellos(p.page)))
  await relay.stop()
  for (const p of members) await waitForStatus(p.page, 'online')

  // Every ordered pair exchanges a message with the relay gone.
  for (const [i, from] of members.entries()) {
    for (const [j, to] of ids.entries()) {
      if (i === j) continue
      const text = `hello from ${i} to ${j}`
      expect(await sayHello(from.page, to, text)).toBe(`ack ${text}`)
    }
  }
  for (const [j, p] of members.entries()) {
    const received = await p.page.evaluate(() => (window as TestWindow).received ?? [])
    expect(received.sort()).toEqual(
      ids
        .map((_, i) => i)
        .filter((i) => i !== j)
        .map((i) => `hello from ${i} to ${j}`),
    )
  }
})

test('a peer of another co-op on the same relay is not listed', async ({ openPeer }) => {
  const { members, ids } = await openCoop(openPeer)
  await Promise.all(members.map((p) => waitForDirectPeers(p.page, 2)))

  // A second co-op on the same relay, with two members who do find each other…
  const outsider = await openPeer()
  const outsiderInvite = await inviteLinkOf(outsider.page)
  const outsiderFriend = await openPeer({ url: outsiderInvite })
  const outsiderIds = [await peerIdOf(outsider.page), await peerIdOf(outsiderFriend.page)]
  await waitForDirectPeers(outsider.page, 1)
  await waitForDirectPeers(outsiderFriend.page, 1)
  // …and by then have announced themselves on the relay for several rounds.
  for (const p of members) {
    const listed = (await peersOf(p.page)).map((v) => v.peerId)
    expect(listed.sort()).toEqual(ids.filter((id) => id !== (ids[members.indexOf(p)] ?? '')).sort())
    for (const o of outsiderIds) expect(listed).not.toContain(o)
    expect(await connectionsTo(p.page, outsiderIds)).toEqual([])
  }
  expect((await peersOf(outsider.page)).map((v) => v.peerId)).toEqual([outsiderIds[1]])
})

test('a reload keeps the peer ID, and peers reconnect to a restarted relay by themselves', async ({
  openPeer,
  relay,
}) => {
  const { members, ids } = await openCoop(openPeer, true)
  await Promise.all(members.map((p) => waitForDirectPeers(p.page, 2)))

  const first = members[0]!
  await first.page.reload()
  expect(await peerIdOf(first.page)).toBe(ids[0])
  await waitForDirectPeers(first.page, 2)

  const relayId = relay.peerId
  await relay.restart()
  expect(relay.peerId).toBe(relayId)
  const restarted = Date.now()
  // Each page sees the relay drop and comes back to it without any action from the test.
  for (const p of members) {
    await p.page.waitForFunction(
      (rid) => {
        const node = (window as TestWindow).coffer?.node
        return (
          node?.libp2p
            .getConnections()
            .some((c) => c.remotePeer.toString() === rid && c.status === 'open') === true
        )
      },
      relayId,
      { polling: 200, timeout: 60_000 },
    )
  }
  process.stdout.write(`relay restart: all peers reconnected after ${Date.now() - restarted} ms\n`)
  // The reservations are back too: a newcomer reaches everyone through the restarted relay.
  await expect
    .poll(
      async () =>
        ((await (await fetch(`${relay.url}/health`)).json()) as { reservations: number })
          .reservations,
    )
    .toBeGreaterThanOrEqual(3)
  const newcomer = await openPeer({ url: await inviteLinkOf(first.page) })
  await waitForDirectPeers(newcomer.page, 3)
  expect((await peersOf(newcomer.page)).map((v) => v.peerId).sort()).toEqual([...ids].sort())
})
