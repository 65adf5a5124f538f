import 'fake-indexeddb/auto'
import { TypedEventEmitter } from 'main-event'
import { describe, expect, it, vi } from 'vitest'
import { createCoop, formatInvite, parseInvite } from '../../src/net/coop.ts'
import type {
  CofferNode,
  CofferNodeEvents,
  Coop,
  NodeStatus,
  PeerView,
} from '../../src/net/types.ts'
import { AppState, relayHost, type AppDeps } from '../../src/state/app-state.svelte.ts'
import { parseConfig } from '../../src/net/config/relay-config.ts'
import { loadCoop, saveCoop } from '../../src/app/coop-store.ts'
import { DeviceState } from '../../src/state/device-state.svelte.ts'
import { InvalidConfigError } from '../../src/net/config/errors.ts'
import { formatBytes, shortPeerId } from '../../src/state/format.ts'
import { NodeState } from '../../src/state/node-state.svelte.ts'
import { viewFromHash } from '../../src/state/router.svelte.ts'
import { UpdateState, type RegisterOptions } from '../../src/state/update-state.svelte.ts'

const RELAY = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const PEER_A = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const PEER_B = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const PEER_C = '12D3KooWKiSd3v4YjF1pKERBB1H3Q1RkFoeFWSPFE3F3HWrBLTdk'

class FakeNode extends TypedEventEmitter<CofferNodeEvents> implements CofferNode {
  status: NodeStatus = 'connecting'
  list: PeerView[] = []
  stopped = false
  constructor(
    readonly coop: Coop,
    readonly peerId = PEER_A,
  ) {
    super()
  }
  peers(): PeerView[] {
    return this.list
  }
  stop(): Promise<void> {
    this.stopped = true
    return Promise.resolve()
  }
  changed(): void {
    this.safeDispatchEvent('change')
  }
}

function deps(overrides: Partial<AppDeps> = {}): AppDeps & { saved: Coop[]; nodes: FakeNode[] } {
  const saved: Coop[] = []
  const nodes: FakeNode[] = []
  return {
    saved,
    nodes,
    fetchConfig: () => Promise.resolve({ relays: [RELAY] }),
    loadCoop: () => Promise.resolve(saved.at(-1)),
    saveCoop: (coop) => {
      saved.push(coop)
      return Promise.resolve()
    },
    createCoop,
    parseInvite,
    formatInvite,
    createNode: (coop) => {
      const node = new FakeNode(coop)
      nodes.push(node)
      return Promise.resolve(node)
    },
    storage: undefined,
    onLine: true,
    baseUrl: 'https://coffer.example/',
    version: '0.1.0',
    ...overrides,
  }
}

describe('AppState start-up', () => {
  it('creates a co-op from the relay config on a first start and stores it', async () => {
    const d = deps()
    const app = new AppState(d)
    await app.start('')
    expect(d.saved).toHaveLength(1)
    expect(d.saved[0]?.relays).toEqual([RELAY])
    expect(app.coop.name).toBe('My co-op')
    expect(app.node.node).toBe(d.nodes[0])
    expect(app.node.peerId).toBe(PEER_A)
    expect(app.problem).toBeUndefined()
  })

  it('reopens the stored co-op instead of creating a new one, even without config', async () => {
    const stored = createCoop({ relays: [RELAY], name: 'Allotment' })
    const fetchConfig = vi.fn(() => Promise.resolve(undefined))
    const d = deps({ loadCoop: () => Promise.resolve(stored), fetchConfig })
    const app = new AppState(d)
    await app.start('#/peers')
    expect(app.coop.coop).toEqual(stored)
    expect(d.nodes[0]?.coop).toEqual(stored)
    expect(fetchConfig).not.toHaveBeenCalled()
  })

  it('joins the co-op of an invite fragment and remembers it', async () => {
    const invited = createCoop({ relays: [RELAY], name: 'Choir' })
    const link = formatInvite(invited, 'https://coffer.example/')
    const d = deps({ loadCoop: () => Promise.resolve(createCoop({ relays: [RELAY] })) })
    const app = new AppState(d, new URL(link).hash)
    await app.start(new URL(link).hash)
    expect(app.coop.coop).toEqual(invited)
    expect(d.saved.at(-1)).toEqual(invited)
    expect(app.inviteError).toBe(false)
    expect(app.router.view).toBe('peers')
  })

  it('says an invite is damaged and keeps the stored co-op', async () => {
    const stored = createCoop({ relays: [RELAY], name: 'Allotment' })
    const app = new AppState(deps({ loadCoop: () => Promise.resolve(stored) }))
    await app.start('#/join/not-json')
    expect(app.inviteError).toBe(true)
    expect(app.coop.coop).toEqual(stored)
  })

  it('opens offline with a plain message when there is no co-op and no relay', async () => {
    const app = new AppState(deps({ fetchConfig: () => Promise.resolve(undefined) }))
    expect(app.node.status).toBe('connecting')
    await app.start('')
    expect(app.node.status).toBe('offline')
    expect(app.problem).toMatch(/cannot reach its relay server.*reload this page/)
    expect(app.coop.inviteLink).toBeUndefined()
  })

  it('names the relay it cannot reach when the node fails to start', async () => {
    const app = new AppState(deps({ createNode: () => Promise.reject(new Error('dial failed')) }))
    await app.start('')
    expect(app.node.status).toBe('offline')
    expect(app.problem).toContain('cannot reach the co-op’s relay at 127.0.0.1:4001')
  })

  it('shows offline, whatever the node says, while the browser has no network', async () => {
    const d = deps()
    const app = new AppState(d)
    await app.start('')
    const node = d.nodes[0]
    if (!node) throw new Error('no node')
    node.status = 'online'
    node.changed()
    expect(app.node.status).toBe('online')
    app.node.setBrowserOnline(false)
    expect(app.node.status).toBe('offline')
    expect(app.problem).toMatch(/^You are offline/)
    app.node.setBrowserOnline(true)
    expect(app.node.status).toBe('online')
  })

  it('retries a failed start when asked (e.g. when the network returns)', async () => {
    let relayUp = false
    const d = deps({
      fetchConfig: () => Promise.resolve(relayUp ? { relays: [RELAY] } : undefined),
    })
    const app = new AppState(d)
    await app.start('')
    expect(app.node.node).toBeUndefined()
    relayUp = true
    await app.retry()
    expect(app.node.node).toBeDefined()
    expect(app.problem).toBeUndefined()
  })

  it('gives an invite link that parses back to the same co-op', async () => {
    const app = new AppState(deps())
    await app.start('')
    const link = app.coop.inviteLink
    expect(link).toMatch(/^https:\/\/coffer\.example\/#\/join\//)
    expect(parseInvite(link ?? '')).toEqual(app.coop.coop)
  })

  it('stops the node', async () => {
    const d = deps()
    const app = new AppState(d)
    await app.start('')
    await app.stop()
    expect(d.nodes[0]?.stopped).toBe(true)
    expect(app.node.node).toBeUndefined()
  })
})

describe('NodeState', () => {
  it('lists peers with short IDs, direct ones first, and follows change events', () => {
    const node = new FakeNode(createCoop({ relays: [RELAY] }))
    const state = new NodeState()
    state.attach(node)
    expect(state.peers).toEqual([])
    node.list = [
      {
        peerId: PEER_A,
        direct: false,
        link: 'relayed',
        remoteAddr: `${RELAY}/p2p-circuit/p2p/${PEER_A}`,
      },
      { peerId: PEER_B, direct: true, link: 'direct', remoteAddr: '/ip4/10.0.0.2/udp/1/webrtc' },
      { peerId: PEER_C, direct: false, link: 'needs-turn', remoteAddr: '' },
    ]
    node.status = 'online'
    node.changed()
    expect(state.status).toBe('online')
    expect(state.peers.map((p) => [p.shortId, p.via])).toEqual([
      [shortPeerId(PEER_B), 'direct'],
      [shortPeerId(PEER_C), 'blocked by NAT: needs TURN'],
      [shortPeerId(PEER_A), 'relayed only'],
    ])
    state.detach()
    node.list = []
    node.changed()
    expect(state.peers).toEqual([])
  })
})

describe('NodeState while the relay cannot be reached', () => {
  it('turns offline once connecting lasts past the grace period, and back when online', () => {
    vi.useFakeTimers()
    try {
      const node = new FakeNode(createCoop({ relays: [RELAY] }))
      const state = new NodeState({ onLine: true }, 1000)
      state.attach(node)
      vi.advanceTimersByTime(999)
      expect(state.status).toBe('connecting')
      vi.advanceTimersByTime(1)
      expect(state.status).toBe('offline')
      node.status = 'online'
      node.changed()
      expect(state.status).toBe('online')
      node.status = 'connecting'
      node.changed()
      expect(state.status).toBe('connecting')
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('DeviceState', () => {
  const fake = (granted: boolean) => ({
    estimate: () => Promise.resolve({ usage: 12_300_000, quota: 2_100_000_000 }),
    persisted: () => Promise.resolve(false),
    persist: vi.fn(() => Promise.resolve(granted)),
  })

  it('reports the estimate and whether storage is persistent', async () => {
    const device = new DeviceState(fake(true))
    expect(device.estimateText).toBeUndefined()
    await device.refresh()
    expect(device.estimateText).toBe('12.3 MB used of 2.1 GB available')
    expect(device.persisted).toBe(false)
  })

  it('asks the browser for persistence and records the answer', async () => {
    const yes = new DeviceState(fake(true))
    expect(await yes.requestPersistence()).toBe(true)
    expect(yes.persisted).toBe(true)
    expect(yes.refused).toBe(false)
    const no = new DeviceState(fake(false))
    expect(await no.requestPersistence()).toBe(false)
    expect(no.persisted).toBe(false)
    expect(no.refused).toBe(true)
  })

  it('copes with a browser without the Storage API', async () => {
    const device = new DeviceState(undefined)
    await device.refresh()
    expect(device.supported).toBe(false)
    expect(await device.requestPersistence()).toBe(false)
  })
})

describe('UpdateState', () => {
  it('offers a waiting version, checks for updates and reloads into it', async () => {
    let options: RegisterOptions = {}
    const updateSW = vi.fn(() => Promise.resolve())
    const registration = { update: vi.fn(() => Promise.resolve()) }
    const update = new UpdateState()
    update.register((o) => {
      options = o
      return updateSW
    })
    options.onRegisteredSW?.('/sw.js', registration as unknown as ServiceWorkerRegistration)
    expect(update.needRefresh).toBe(false)
    await update.check()
    expect(registration.update).toHaveBeenCalledOnce()
    options.onNeedRefresh?.()
    expect(update.needRefresh).toBe(true)
    await update.reload()
    expect(updateSW).toHaveBeenCalledWith(true)
    options.onOfflineReady?.()
    expect(update.offlineReady).toBe(true)
  })
})

describe('helpers', () => {
  it('shortens peer IDs to their distinctive tail', () => {
    expect(shortPeerId(PEER_A)).toBe('…swrRJsNK')
    expect(shortPeerId('short')).toBe('short')
  })

  it('formats byte counts in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1500)).toBe('1.5 KB')
    expect(formatBytes(250_000_000)).toBe('250 MB')
    expect(formatBytes(3e15)).toBe('3000 TB')
  })

  it('reads the relay host for messages', () => {
    expect(relayHost(RELAY)).toBe('127.0.0.1:4001')
    expect(relayHost('/dns4/relay.example.org/tcp/443/wss/p2p/x')).toBe('relay.example.org:443')
    expect(relayHost(undefined)).toBeUndefined()
  })

  it('routes known views and falls back to Peers', () => {
    expect(viewFromHash('#/device')).toBe('device')
    expect(viewFromHash('#/peers')).toBe('peers')
    expect(viewFromHash('')).toBe('peers')
    expect(viewFromHash('#/nope')).toBe('peers')
  })

  it('accepts only a list of multiaddrs as config', () => {
    expect(parseConfig({ relays: [RELAY] })).toEqual({ relays: [RELAY], keepers: [] })
    expect(() => parseConfig({ relays: 'x' })).toThrow(InvalidConfigError)
    expect(() => parseConfig({ relays: ['http://x'] })).toThrow(InvalidConfigError)
    expect(() => parseConfig(null)).toThrow(InvalidConfigError)
  })
})

describe('co-op store', () => {
  it('keeps the co-op in IndexedDB across opens', async () => {
    const coop = createCoop({ relays: [RELAY], name: 'Allotment' })
    expect(await loadCoop('coffer-state-test')).toBeUndefined()
    await saveCoop(coop, 'coffer-state-test')
    expect(await loadCoop('coffer-state-test')).toEqual(coop)
  })
})
