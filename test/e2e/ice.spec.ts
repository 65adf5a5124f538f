/**
 * The co-op's own ICE: every RTCPeerConnection a page makes is given exactly the servers the
 * co-op's relay names (its built-in STUN here), never libp2p's default public STUN servers,
 * and the app sends no request to any host but the relay.
 */
import { rm } from 'node:fs/promises'
import type { Page } from '@playwright/test'
import {
  test as base,
  expect,
  buildOnce,
  inviteLinkOf,
  peerIdOf,
  startRelayProcess,
  waitForDirectPeers,
} from './fixtures.ts'
import { recordIceServers, recordedIceServers } from './ice-record.ts'
import { freeUdpPort } from './coturn.ts'

const test = base.extend<{ stunPort: number }>({
  // eslint-disable-next-line no-empty-pattern
  stunPort: async ({}, use) => use(await freeUdpPort()),
  relay: async ({ app, stunPort }, use) => {
    const relay = await startRelayProcess({
      appDir: await buildOnce(app),
      extraArgs: ['--stun-port', String(stunPort)],
    })
    try {
      await use(relay)
    } finally {
      await relay.stop()
      await rm(relay.dataDir, { recursive: true, force: true })
    }
  },
})

/** Every URL the page's context asks for, requests and WebSockets alike. */
function watchRequests(page: Page): string[] {
  const urls: string[] = []
  page.context().on('request', (r) => urls.push(r.url()))
  page.on('websocket', (ws) => urls.push(ws.url()))
  return urls
}

test('members get only the co-op’s own STUN, and ask no other host for anything', async ({
  openPeer,
  relay,
  stunPort,
}) => {
  const config = (await (await fetch(`${relay.url}/config.json`)).json()) as {
    iceServers: unknown
  }
  expect(config.iceServers).toEqual([{ urls: [`stun:127.0.0.1:${stunPort}`] }])

  const a = await openPeer({ url: 'about:blank' })
  const b = await openPeer({ url: 'about:blank' })
  const requests = [watchRequests(a.page), watchRequests(b.page)]
  for (const p of [a, b]) await recordIceServers(p.page)
  await a.page.goto(relay.url)
  await peerIdOf(a.page)
  await b.page.goto(await inviteLinkOf(a.page))
  await waitForDirectPeers(a.page, 1, 90_000)
  await waitForDirectPeers(b.page, 1, 90_000)

  for (const p of [a, b]) {
    const seen = await recordedIceServers(p.page)
    // At least the connection between the two; every one with the relay's list, as given.
    expect(seen.length).toBeGreaterThan(0)
    for (const s of seen) expect(s).toEqual(config.iceServers)
  }
  const relayHost = new URL(relay.url).host
  for (const urls of requests) {
    expect(urls.length).toBeGreaterThan(0)
    const elsewhere = urls.filter((u) => {
      if (u.startsWith('data:') || u.startsWith('blob:') || u === 'about:blank') return false
      return new URL(u).host !== relayHost
    })
    expect(elsewhere).toEqual([])
  }
})
