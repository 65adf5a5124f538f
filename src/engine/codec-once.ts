import { logger } from '@libp2p/logger'
import type { StripeCodec } from '../core/stripe.ts'

const log = logger('coffer:engine:codec')

/**
 * The codec a page was given, started once on first use when it is a factory (a worker pool).
 * Undefined when there is none, or the pool cannot start: the pipeline then runs on this
 * thread, slower but the same.
 */
export function codecOnce(
  codec: StripeCodec | (() => Promise<StripeCodec>) | undefined,
): () => Promise<StripeCodec | undefined> {
  if (typeof codec !== 'function') return () => Promise.resolve(codec)
  let started: Promise<StripeCodec | undefined> | undefined
  return () => {
    started ??= codec().catch((err: unknown) => {
      log('worker pool unavailable: %s', err)
      return undefined
    })
    return started
  }
}
