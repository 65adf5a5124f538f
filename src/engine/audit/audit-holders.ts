import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { BlockNotFoundError, CorruptBlockError } from '../../net/fetch/index.ts'
import type { ShardNetwork } from '../../net/store/index.ts'
import { AUDIT_FETCH_TIMEOUT_MS } from './constants.ts'
import type { AuditTarget } from './plan-audit.ts'

const log = logger('coffer:engine:audit')

/**
 * `held`: the holder sent the shard and it hashed to its CID. `missing`: it answered that it
 * does not have it. `corrupt`: it sent other bytes. `unreachable`: no answer (offline, a
 * dropped connection): not a failure, a later audit asks again.
 */
export type AuditOutcome = 'held' | 'missing' | 'corrupt' | 'unreachable'

export interface AuditResult extends AuditTarget {
  outcome: AuditOutcome
}

export interface AuditHoldersOptions {
  signal?: AbortSignal
  /** Limit on one shard's fetch. */
  timeoutMs?: number
}

/**
 * Proves each sampled holder still keeps what it signed for, without the read key: it must
 * send the whole shard, which the fetch checks against its CID (the shard is the CID's
 * preimage, so no holder can answer without the bytes). Holders are asked in parallel, each
 * one shard at a time.
 */
export async function auditHolders(
  network: Pick<ShardNetwork, 'fetch'>,
  sample: readonly AuditTarget[],
  options: AuditHoldersOptions = {},
): Promise<AuditResult[]> {
  const byHolder = new Map<string, AuditTarget[]>()
  for (const t of sample) byHolder.set(t.holder, [...(byHolder.get(t.holder) ?? []), t])
  const results: AuditResult[] = []
  await Promise.all(
    [...byHolder.values()].map(async (targets) => {
      for (const t of targets) {
        options.signal?.throwIfAborted()
        results.push({ ...t, outcome: await auditOne(network, t, options) })
      }
    }),
  )
  return results
}

async function auditOne(
  network: Pick<ShardNetwork, 'fetch'>,
  target: AuditTarget,
  options: AuditHoldersOptions,
): Promise<AuditOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? AUDIT_FETCH_TIMEOUT_MS)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  try {
    await network.fetch(target.holder, CID.parse(target.shard), { signal })
    return 'held'
  } catch (err) {
    if (err instanceof BlockNotFoundError) return 'missing'
    if (err instanceof CorruptBlockError) return 'corrupt'
    options.signal?.throwIfAborted()
    // Offline or a broken connection says nothing about what the holder keeps.
    log('audit of %s on %s got no answer: %s', target.shard, target.holder, err)
    return 'unreachable'
  }
}
