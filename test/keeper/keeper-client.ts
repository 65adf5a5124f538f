import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import type { Blockstore } from 'interface-blockstore'
import { cofferFetch, type CofferFetch } from '../../src/net/fetch/index.ts'
import { cofferStore, type CofferStore } from '../../src/net/store/index.ts'
import { installWebSocket } from '../../keeper/websocket-global.ts'
import { MemoryBlocks } from '../unit/store-test-nodes.ts'

export type ClientLibp2p = Libp2p<{ store: CofferStore; fetch: CofferFetch }>

/**
 * A Node member that stores into and fetches from a keeper over WebSockets, as a browser tab
 * does (the same store and fetch services); it holds nothing for others itself.
 */
export async function startClient(): Promise<ClientLibp2p> {
  installWebSocket()
  const blockstore = new MemoryBlocks() as unknown as Pick<
    Blockstore,
    'put' | 'get' | 'has' | 'delete'
  >
  const none = {
    get: () => Promise.resolve(undefined),
    add: () => Promise.resolve(),
    release: () => Promise.resolve('absent' as const),
    usedBytes: () => Promise.resolve(0),
  }
  return createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      store: cofferStore({ blockstore, holdings: none, pledge: { pledgedBytes: () => 0 } }),
      fetch: cofferFetch({ blockstore }),
    },
  })
}

/** Dials the keeper at `addr` and returns its peer id. */
export async function dialKeeper(client: ClientLibp2p, addr: string): Promise<void> {
  await client.dial(multiaddr(addr), { signal: AbortSignal.timeout(20_000) })
}
