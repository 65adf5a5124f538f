import { logger } from '@libp2p/logger'
import type { CofferNode, Coop } from '../net/types.ts'
import { CoopState, type FormatInvite } from './coop-state.svelte.ts'
import { DeviceState, type StorageApi } from './device-state.svelte.ts'
import { FilesState, type FilesDeps } from './files.svelte.ts'
import type { AppConfig } from '../net/config/relay-config.ts'
import { PledgeState } from './pledge-state.svelte.ts'
import { NodeState } from './node-state.svelte.ts'
import { RouterState } from './router.svelte.ts'
import { UpdateState } from './update-state.svelte.ts'
import { INVITE_FRAGMENT_PREFIX as INVITE_PREFIX } from '../net/constants.ts'

const log = logger('coffer:state:app')

/** Everything AppState needs from the layers below, injected so tests can pass fakes. */
export interface AppDeps {
  /** Resolves undefined when the relay's config cannot be fetched (offline, relay down). */
  fetchConfig(options: { signal?: AbortSignal }): Promise<AppConfig | undefined>
  loadCoop(): Promise<Coop | undefined>
  saveCoop(coop: Coop): Promise<void>
  createCoop(init: { relays: string[] }): Coop | Promise<Coop>
  /** Throws when the fragment is not a valid invite. */
  parseInvite(fragment: string): Coop
  formatInvite: FormatInvite
  createNode(coop: Coop, options: { signal?: AbortSignal }): Promise<CofferNode>
  storage: StorageApi | undefined
  onLine: boolean
  baseUrl: string
  /** The app's version string, shown so members can tell deployments apart. */
  version: string
  /**
   * What the Files and pledge views run on, for a member node with the store and fetch services
   * and Coffer's database; undefined for any other node (test doubles).
   */
  filesDeps?(node: CofferNode): FilesDeps | undefined
}

export { INVITE_FRAGMENT_PREFIX as INVITE_PREFIX } from '../net/constants.ts'

/**
 * The app's root state: which co-op, the node, this device, updates and the current view.
 * Start-up order: invite fragment → co-op stored on this device → new co-op from the relay's
 * config. Without any of them (first start while offline) the app still opens, offline.
 */
export class AppState {
  readonly node: NodeState
  readonly coop: CoopState
  readonly device: DeviceState
  readonly update = new UpdateState()
  readonly router: RouterState
  /** My files and uploads. */
  readonly files = new FilesState()
  /** Space this device gives to others. */
  readonly pledge: PledgeState
  readonly version: string
  #deps: AppDeps
  #startError = $state<'no-coop' | 'node-failed' | undefined>()
  #inviteError = $state(false)
  #relayHost = $state<string | undefined>()

  constructor(deps: AppDeps, hash = '') {
    this.#deps = deps
    this.version = deps.version
    this.node = new NodeState({ onLine: deps.onLine })
    this.coop = new CoopState(deps.formatInvite, deps.baseUrl)
    this.device = new DeviceState(deps.storage)
    this.pledge = new PledgeState(() => deps.storage?.estimate() ?? Promise.resolve(undefined))
    this.router = new RouterState(hash.startsWith(INVITE_PREFIX) ? '' : hash)
  }

  /** The invite link that was opened could not be read. */
  get inviteError(): boolean {
    return this.#inviteError
  }

  /**
   * A plain-language sentence for what is wrong and what to do, or undefined when all is well.
   */
  get problem(): string | undefined {
    if (this.#startError === 'no-coop') {
      return this.node.browserOnline
        ? 'Coffer cannot reach its relay server, and this device has not joined a co-op yet. Check that the relay is running, then reload this page.'
        : 'You are offline, and this device has not joined a co-op yet. Connect to the internet, then reload this page.'
    }
    if (this.node.status !== 'offline') return undefined
    if (!this.node.browserOnline) {
      return 'You are offline. Coffer opened from this device and will reconnect by itself when the network is back.'
    }
    const where = this.#relayHost ? ` at ${this.#relayHost}` : ''
    return `Coffer cannot reach the co-op’s relay${where}. It may be down or blocked by this network. Coffer keeps trying; peers already connected directly keep working.`
  }

  /** Runs start-up; `hash` is location.hash at load (it may carry an invite). */
  async start(hash: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    void this.device
      .refresh()
      .catch((err: unknown) => log('storage figures unavailable, the panel shows none: %s', err))
    const coop = await this.#chooseCoop(hash, options)
    if (!coop) {
      this.#startError = 'no-coop'
      this.node.startFailed()
      return
    }
    this.coop.set(coop)
    this.#relayHost = relayHost(coop.relays[0])
    await this.#deps.saveCoop(coop)
    try {
      const node = await this.#deps.createNode(coop, options)
      this.node.attach(node)
      this.#startError = undefined
      const files = this.#deps.filesDeps?.(node)
      if (files) {
        void this.files
          .attach(files)
          .catch((err: unknown) => log('files view failed to attach, it stays empty: %s', err))
        void this.pledge
          .attach(files.db)
          .catch((err: unknown) => log('pledge settings failed to load, defaults shown: %s', err))
      }
    } catch (err) {
      // Shown to the member as "could not start"; retry() tries again.
      log('node failed to start: %s', err)
      this.#startError = 'node-failed'
      this.node.startFailed()
    }
  }

  /** Retries a start-up that found no co-op or no node (e.g. when the network comes back). */
  async retry(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.node.node || this.#startError === undefined) return
    this.#startError = undefined
    await this.start('', options)
  }

  async stop(): Promise<void> {
    const node = this.node.node
    this.files.detach()
    this.node.detach()
    await node?.stop()
  }

  async #chooseCoop(hash: string, options: { signal?: AbortSignal }): Promise<Coop | undefined> {
    if (hash.startsWith(INVITE_PREFIX)) {
      try {
        return this.#deps.parseInvite(hash)
      } catch (err) {
        // Shown to the member as a bad invite; the stored or configured co-op is used instead.
        log('invite in the address is not valid: %s', err)
        this.#inviteError = true
      }
    }
    const stored = await this.#deps.loadCoop()
    if (stored) return stored
    const config = await this.#deps
      .fetchConfig(options)
      // Treated as offline: start-up waits for the network and retries.
      .catch((err: unknown) => log('relay config unavailable: %s', err))
    if (!config || config.relays.length === 0) return undefined
    return await this.#deps.createCoop({ relays: config.relays })
  }
}

/** "relay.example.org" from "/dns4/relay.example.org/tcp/443/wss/p2p/…", for messages. */
export function relayHost(addr: string | undefined): string | undefined {
  const match = addr?.match(/^\/(?:dns[46]?|dnsaddr|ip[46])\/([^/]+)\/tcp\/(\d+)/)
  return match ? `${match[1]}:${match[2]}` : undefined
}
