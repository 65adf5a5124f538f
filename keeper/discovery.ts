import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { discoveryTopic } from '../src/net/coop.ts'
import type { Coop } from '../src/net/types.ts'
import { DISCOVERY_INTERVAL_MS } from '../src/net/constants.ts'

/** What the keeper's libp2p needs to be found by the co-op's members. */
export interface KeeperDiscovery {
  /** The topic the keeper announces on (the gossipsub router must subscribe to it). */
  topic: string
  peerDiscovery: ReturnType<typeof pubsubPeerDiscovery>
}

/**
 * The one place the keeper's co-op discovery is built: today the tabs' own scheme
 * (pubsub-peer-discovery on the co-op's hashed topic), so members hear the keeper as they hear
 * each other. The keeper announces at the tabs' fast rate all the time: it is one peer, and a
 * tab that just opened should find it within seconds.
 */
export async function keeperDiscovery(coop: Coop): Promise<KeeperDiscovery> {
  const topic = await discoveryTopic(coop.id)
  const peerDiscovery = pubsubPeerDiscovery({ topics: [topic], interval: DISCOVERY_INTERVAL_MS })
  return { topic, peerDiscovery }
}
