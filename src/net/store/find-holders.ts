import type { CID } from 'multiformats/cid'
import type { CallOptions, ShardNetwork } from './shard-network.ts'

/**
 * Asks each of `peers` which of `cids` it holds, all peers in parallel; a peer that fails to
 * answer is simply left out. Returns CID string → peers that said yes.
 */
export async function findHolders(
  network: Pick<ShardNetwork, 'whoHas'>,
  peers: string[],
  cids: CID[],
  options: CallOptions = {},
): Promise<Map<string, string[]>> {
  const holders = new Map<string, string[]>(cids.map((c) => [c.toString(), []]))
  if (cids.length === 0) return holders
  await Promise.all(
    peers.map(async (peer) => {
      let have: boolean[]
      try {
        have = await network.whoHas(peer, cids, options)
      } catch {
        return
      }
      have.forEach((yes, i) => {
        if (yes) holders.get(cids[i]!.toString())!.push(peer)
      })
    }),
  )
  options.signal?.throwIfAborted()
  return holders
}

/** Placement candidates from the peers' own free-space answers; silent peers are left out. */
export async function gatherCandidates(
  network: Pick<ShardNetwork, 'freeSpace'>,
  peers: string[],
  options: CallOptions = {},
): Promise<Array<{ peerId: string; free: number }>> {
  const answers = await Promise.all(
    peers.map(async (peerId) => {
      try {
        return { peerId, free: await network.freeSpace(peerId, options) }
      } catch {
        return undefined
      }
    }),
  )
  options.signal?.throwIfAborted()
  return answers.filter((a): a is { peerId: string; free: number } => a !== undefined && a.free > 0)
}
