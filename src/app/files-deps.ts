import type { RunningCofferNode } from '../net/node.ts'
import { shardNetwork } from '../net/store/index.ts'
import type { CofferNode } from '../net/types.ts'
import { uploadWorkerPool } from '../engine/codec.ts'
import type { FilesDeps } from '../state/files.svelte.ts'
import { kvManifests } from '../engine/upload/manifest-store.ts'
import { downloadFile } from '../state/download.svelte.ts'
import { keepersByPeer } from '../net/keepers.ts'

/** A member node with the store and fetch services and Coffer's database (not a test double). */
export function isRunningNode(node: CofferNode): node is RunningCofferNode {
  const n = node as Partial<RunningCofferNode>
  return n.db !== undefined && n.libp2p?.services?.store !== undefined && n.helia !== undefined
}

/**
 * What the Files view runs on, from the running node. `keepers`: the keeper multiaddrs the
 * serving pod names, which a share link then need not name (src/state/share-hints.ts).
 */
export function filesDepsFromNode(
  node: RunningCofferNode,
  keepers: readonly string[] = [],
): FilesDeps {
  const keeperIds = [...keepersByPeer(keepers).keys()]
  return {
    db: node.db,
    network: shardNetwork(node.libp2p.services),
    owner: node.peerId,
    manifests: kvManifests(node.db),
    codec: uploadWorkerPool,
    keepers: keeperIds,
    peers: () =>
      node
        .peers()
        .filter((p) => p.direct)
        .map((p) => p.peerId),
    onPeersChange: (callback) => {
      node.addEventListener('change', callback)
      return () => node.removeEventListener('change', callback)
    },
    download: (record, holders) => downloadFile(node, record, { holders }),
    share: (record, holders) => ({
      file: record,
      baseUrl: `${globalThis.location.origin}${globalThis.location.pathname}`,
      relays: node.coop.relays,
      holders,
      keepers: keeperIds,
    }),
  }
}
