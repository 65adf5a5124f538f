import { logger } from '@libp2p/logger'
import type { Candidate } from '../../core/placement/index.ts'
import type { ShardNetwork } from '../../net/store/index.ts'
import { CANDIDATE_TTL_MS } from './constants.ts'

const log = logger('coffer:engine:upload:candidates')

/**
 * Placement candidates for one upload: the directly connected peers with their free pledged
 * space. Answers are reused for a few seconds (every stripe needs them) and reduced by what
 * this upload has sent since, so weights stay close to the truth between questions.
 */
export class CandidateCache {
  readonly #network: Pick<ShardNetwork, 'freeSpace'>
  readonly #peers: () => string[]
  readonly #ttl: number
  #list: Candidate[] = []
  #key = ''
  #at = Number.NEGATIVE_INFINITY
  #pending: Promise<Candidate[]> | undefined

  constructor(
    network: Pick<ShardNetwork, 'freeSpace'>,
    peers: () => string[],
    ttl = CANDIDATE_TTL_MS,
  ) {
    this.#network = network
    this.#peers = peers
    this.#ttl = ttl
  }

  async get(options: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<Candidate[]> {
    const peers = [...new Set(this.#peers())].sort()
    const key = peers.join(' ')
    if (options.fresh !== true && key === this.#key && Date.now() - this.#at < this.#ttl) {
      return this.#list
    }
    if (this.#pending !== undefined) return this.#pending
    const previous = new Map(this.#list.map((c) => [c.peerId, c]))
    const pending = this.#ask(peers, previous, options.signal).then((list) => {
      this.#list = list
      this.#key = key
      this.#at = Date.now()
      return list
    })
    this.#pending = pending
    try {
      return await pending
    } finally {
      this.#pending = undefined
    }
  }

  /**
   * Asks every peer for its free space. A connected peer that does not answer in time (busy
   * with this very upload) keeps its last answer: dropping it would pile the next stripes
   * onto the peers that happened to answer.
   */
  async #ask(
    peers: string[],
    previous: Map<string, Candidate>,
    signal?: AbortSignal,
  ): Promise<Candidate[]> {
    const ask = async (peerId: string, last: boolean): Promise<Candidate | undefined> => {
      try {
        return { peerId, free: await this.#network.freeSpace(peerId, { signal }) }
      } catch (err) {
        signal?.throwIfAborted()
        const kept = previous.get(peerId)
        log(
          'free space of %s unknown (%s) - %e',
          peerId,
          kept ? 'kept' : last ? 'left out' : 'asking again',
          err,
        )
        if (kept !== undefined || last) return kept
        // A first question often fails on a connection that has just opened: ask once more,
        // or the peer gets no shards of this upload's first stripes.
        return ask(peerId, true)
      }
    }
    const answers = await Promise.all(peers.map((peerId) => ask(peerId, false)))
    return answers.filter((a): a is Candidate => a !== undefined && a.free > 0)
  }

  /** `bytes` went to `peer`: its free space until the next answer is that much smaller. */
  spent(peer: string, bytes: number): void {
    this.#list = this.#list.map((c) =>
      c.peerId === peer ? { peerId: c.peerId, free: Math.max(0, c.free - bytes) } : c,
    )
  }
}
