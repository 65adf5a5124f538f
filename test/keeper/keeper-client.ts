import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import type { Blockstore } from 'interface-blockstore'
import { cofferFetch, type CofferFetch } from '../../src/net/fetch/index.ts'
import { cofferStore, type CofferStore } from '../../src/net/store/index.ts'
import { cofferMember, ProvenMembers, type CofferMember } from '../../src/net/member/index.ts'
import { coopKeys } from '../../src/net/coop.ts'
import type { Coop } from '../../src/net/types.ts'
import { installWebSocket } from '../../keeper/websocket-global.ts'
import { MemoryBlocks } from '../unit/store-test-nodes.ts'

export type ClientLibp2p = Libp2p<{
  member: CofferMember
  store: CofferStore
  fetch: CofferFetch
}>

/**
 * A Node member that stores into and fetches from a keeper over WebSockets, as a browser tab
 * does (the same store and fetch services); it holds nothing for others itself.
 */
export async function startClient(coop: Coop): Promise<ClientLibp2p> {
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
      // The keeper serves members only: the client proves it holds the invite's secret.
      member: cofferMember({ memberKey: coopKeys(coop).memberKey, members: new ProvenMembers() }),
      store: cofferStore({ blockstore, holdings: none, pledge: { pledgedBytes: () => 0 } }),
      fetch: cofferFetch({ blockstore }),
    },
  })
}

/** Dials the keeper at `addr` and waits until both sides proved co-op membership. */
export async function dialKeeper(client: ClientLibp2p, addr: string): Promise<void> {
  const conn = await client.dial(multiaddr(addr), { signal: AbortSignal.timeout(20_000) })
  if (!(await client.services.member.prove(conn))) throw new Error('the keeper refused our proof')
}
