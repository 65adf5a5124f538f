import {
  peerDiscoverySymbol,
  type ComponentLogger,
  type Logger,
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerId,
  type PeerInfo,
} from '@libp2p/interface'
import type { GossipSub } from '@libp2p/gossipsub'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { TypedEventEmitter } from 'main-event'
import {
  MAX_ADDR_BYTES,
  MAX_ANNOUNCED_ADDRS,
  openAnnouncement,
  sealAnnouncement,
  type CoopKeys,
} from '../../core/membership/index.ts'
import { DISCOVERY_SLOW_INTERVAL_MS } from '../constants.ts'
import { discoveryTopic } from '../coop.ts'
import { AnnouncedPeerError } from './errors.ts'

export interface SealedDiscoveryInit {
  /** The co-op's derived keys: the topic from `topicId`, sealing with `announceKey`. */
  keys: Pick<CoopKeys, 'topicId' | 'announceKey'>
  /** Re-announce interval of the service's own timer (the node may announce more often). */
  interval?: number
}

export interface SealedDiscoveryComponents {
  peerId: PeerId
  pubsub?: Pick<
    GossipSub,
    | 'subscribe'
    | 'unsubscribe'
    | 'publish'
    | 'getSubscribers'
    | 'addEventListener'
    | 'removeEventListener'
  >
  addressManager: { getAddresses(): Multiaddr[] }
  logger: ComponentLogger
}

/**
 * Co-op discovery on a topic derived from the co-op secret, each announcement sealed with
 * AES-256-GCM under a derived key (docs/FORMAT.md "Sealed announcement"). The relay and anyone
 * who subscribes see an opaque topic and ciphertext: no peer ID, no address, no co-op name.
 * Messages are published unsigned (gossipsub StrictNoSign), since a signature would carry the
 * author's peer ID in clear; knowing the key is what makes an announcement believable.
 */
export class SealedDiscovery
  extends TypedEventEmitter<PeerDiscoveryEvents>
  implements PeerDiscovery
{
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = 'coffer:discovery'
  readonly topic: string
  readonly #c: SealedDiscoveryComponents
  readonly #log: Logger
  readonly #announceKey: Uint8Array
  readonly #interval: number
  #timer: ReturnType<typeof setInterval> | undefined
  #started = false

  constructor(components: SealedDiscoveryComponents, init: SealedDiscoveryInit) {
    super()
    this.#c = components
    this.#log = components.logger.forComponent('coffer:net:discovery')
    this.topic = discoveryTopic(init.keys)
    this.#announceKey = init.keys.announceKey
    this.#interval = init.interval ?? DISCOVERY_SLOW_INTERVAL_MS
  }

  isStarted(): boolean {
    return this.#started
  }

  start(): void {
    this.#started = true
  }

  afterStart(): void {
    const pubsub = this.#pubsub()
    pubsub.subscribe(this.topic)
    pubsub.addEventListener('message', this.#onMessage)
    this.broadcast()
    this.#timer = setInterval(() => this.broadcast(), this.#interval)
  }

  beforeStop(): void {
    const pubsub = this.#pubsub()
    pubsub.removeEventListener('message', this.#onMessage)
    pubsub.unsubscribe(this.topic)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#started = false
  }

  /** Publishes this node's sealed record now (skipped while nobody listens on the topic). */
  broadcast(): void {
    if (!this.#started) return
    const pubsub = this.#pubsub()
    if (pubsub.getSubscribers(this.topic).length === 0) return
    const all = this.#c.addressManager.getAddresses().map((a) => a.bytes)
    const addrs = all.filter((b) => b.length <= MAX_ADDR_BYTES).slice(0, MAX_ANNOUNCED_ADDRS)
    if (addrs.length < all.length) {
      this.#log('announcing %d of %d addresses (limit or size)', addrs.length, all.length)
    }
    sealAnnouncement(this.#announceKey, { peerId: this.#c.peerId.toMultihash().bytes, addrs })
      .then((sealed) => pubsub.publish(this.topic, sealed))
      .catch((err: unknown) => this.#log.error('announcement not published - %e', err))
  }

  #pubsub(): NonNullable<SealedDiscoveryComponents['pubsub']> {
    const pubsub = this.#c.pubsub
    if (pubsub === undefined) throw new Error('sealed discovery needs the gossipsub service')
    return pubsub
  }

  #onMessage = (evt: CustomEvent<{ topic: string; data: Uint8Array }>): void => {
    if (!this.#started || evt.detail.topic !== this.topic) return
    void this.#open(evt.detail.data).then(
      (info) => {
        if (info === undefined) return
        this.#log('heard co-op peer %p', info.id)
        this.safeDispatchEvent('peer', { detail: info })
      },
      // Not ours or tampered with: the topic is open to anyone who learns its name.
      (err: unknown) => this.#log('dropped an announcement - %e', err),
    )
  }

  async #open(data: Uint8Array): Promise<PeerInfo | undefined> {
    const a = await openAnnouncement(this.#announceKey, data)
    let id: PeerId
    try {
      id = peerIdFromMultihash(Digest.decode(a.peerId))
    } catch (err) {
      throw new AnnouncedPeerError('announcement names no peer ID', { cause: err })
    }
    if (id.publicKey === undefined)
      throw new AnnouncedPeerError(`peer ${id.toString()} embeds no key`)
    if (id.equals(this.#c.peerId)) return undefined
    return { id, multiaddrs: a.addrs.map((b) => multiaddr(b)) }
  }
}

/** libp2p `peerDiscovery` factory for a co-op's sealed discovery. */
export function sealedDiscovery(
  init: SealedDiscoveryInit,
): (components: SealedDiscoveryComponents) => SealedDiscovery {
  return (components) => new SealedDiscovery(components, init)
}
