import { createLibp2p, type Libp2p } from 'libp2p'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, type Identify } from '@libp2p/identify'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { cofferFetch, type CofferFetch } from './fetch/index.ts'
import { cofferGater } from './gater.ts'
import { coopIce } from './ice.ts'
import { NoRelayError } from './errors.ts'
import { WEBRTC_MAX_MESSAGE_BYTES } from './constants.ts'

export type GuestServices = { identify: Identify; fetch: CofferFetch }
export type GuestLibp2p = Libp2p<GuestServices>

/** A share-link visitor's peer: fetches blocks from holders, stores and announces nothing. */
export interface GuestNode {
  readonly peerId: string
  readonly libp2p: GuestLibp2p
  /** Relay multiaddrs from the link, each ending in /p2p/<relay peer id>. */
  readonly relays: string[]
  /** Peer ids of the relays, so they are never mistaken for holders. */
  readonly relayIds: ReadonlySet<string>
  /** Keeper multiaddrs the server named: dialled directly over WebSockets. */
  readonly keepers?: string[]
  stop(): Promise<void>
}

/** Holds nothing: a guest answers every fetch and `has` with "not here". */
const EMPTY_BLOCKSTORE = {
  // eslint-disable-next-line require-yield, @typescript-eslint/require-await
  async *get(): AsyncGenerator<Uint8Array> {
    throw new Error('a guest holds no blocks')
  },
  has: () => Promise.resolve(false),
}

/**
 * Starts a guest peer for someone who opened a share link: a fresh, throw-away identity, no
 * storage, no co-op membership (it never joins the discovery topic, so members do not list
 * it), no relay reservation. It reaches holders by dialling them through the link's relays
 * (`/p2p-circuit/webrtc`), which upgrades to a direct WebRTC connection for the shard bytes.
 */
export async function createGuestNode(
  init: { relays: string[]; keepers?: string[] },
  options: { signal?: AbortSignal } = {},
): Promise<GuestNode> {
  const relayIds = new Set<string>()
  const relays: string[] = []
  for (const r of init.relays) {
    try {
      const id = multiaddr(r)
        .getComponents()
        .findLast((c) => c.name === 'p2p')?.value
      if (id === undefined) continue
      relayIds.add(peerIdFromString(id).toString())
      relays.push(r)
    } catch {
      // a malformed hint is skipped; the others may work
    }
  }
  if (relays.length === 0) throw new NoRelayError('the link names no usable relay')
  // The link's relays name the ICE servers, as for members: never libp2p's public defaults.
  const ice = coopIce({ relays })
  const privateKey = await generateKeyPair('Ed25519')
  options.signal?.throwIfAborted()
  const libp2p = (await createLibp2p({
    privateKey,
    addresses: { listen: ['/webrtc'] },
    transports: [
      webSockets(),
      webRTC({
        dataChannel: { maxMessageSize: WEBRTC_MAX_MESSAGE_BYTES },
        rtcConfiguration: () => ice.rtcConfiguration(),
      }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: cofferGater({ named: [...relays, ...(init.keepers ?? [])] }),
    // Pings stall behind bulk WebRTC transfers; aborting then killed healthy connections.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      fetch: cofferFetch({ blockstore: EMPTY_BLOCKSTORE }),
    },
  })) as GuestLibp2p
  return {
    peerId: libp2p.peerId.toString(),
    libp2p,
    relays,
    relayIds,
    keepers: init.keepers ?? [],
    stop: async () => {
      await libp2p.stop()
    },
  }
}
