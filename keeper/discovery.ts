import { coopKeys } from '../src/net/coop.ts'
import { sealedDiscovery } from '../src/net/discovery/index.ts'
import type { Coop } from '../src/net/types.ts'
import { DISCOVERY_INTERVAL_MS } from '../src/net/constants.ts'

/** What the keeper's libp2p needs to be found by, and to prove itself to, the co-op's members. */
export interface KeeperDiscovery {
  /** HMAC key of the membership handshake, derived from the invite's co-op secret. */
  memberKey: Uint8Array
  peerDiscovery: ReturnType<typeof sealedDiscovery>
}

/**
 * The one place the keeper's co-op discovery is built: the tabs' own scheme (sealed
 * announcements on the topic derived from the co-op secret in the invite), so members hear
 * the keeper as they hear each other. The keeper announces at the tabs' fast rate all the
 * time: it is one peer, and a tab that just opened should find it within seconds.
 */
export function keeperDiscovery(coop: Coop): KeeperDiscovery {
  const keys = coopKeys(coop)
  const peerDiscovery = sealedDiscovery({ keys, interval: DISCOVERY_INTERVAL_MS })
  return { memberKey: keys.memberKey, peerDiscovery }
}
