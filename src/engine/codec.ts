import type { StripeCodec } from '../core/stripe.ts'

// The per-stripe work (encryption, erasure coding, hashing) of a page runs in Web Workers. The
// pools start on first use, from a dynamic import, so that a page that never uploads or
// downloads loads no worker code.

let uploadPool: Promise<StripeCodec> | undefined
let downloadPool: Promise<StripeCodec> | undefined

function startPool(): Promise<StripeCodec> {
  return import('../workers/index.ts').then(({ createWorkerPool }) => createWorkerPool())
}

/** One worker pool for this page's uploads (and the repairs its node serves). */
export function uploadWorkerPool(): Promise<StripeCodec> {
  uploadPool ??= startPool()
  return uploadPool
}

/** One worker pool for all downloads of this page, apart from uploads so neither waits. */
export function downloadWorkerPool(): Promise<StripeCodec> {
  downloadPool ??= startPool()
  return downloadPool
}
