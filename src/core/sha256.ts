import { createSHA256, type IHasher } from 'hash-wasm'
import { PortableSha256 } from './sha256-portable.ts'

// WebCrypto has no incremental digest, yet the plaintext hash must cover a stream that never sits
// in memory whole. hash-wasm's SHA-256 is about twice as fast as the portable JavaScript one, and
// the whole-file hash is the one sequential step of the upload pipeline, so its speed bounds it.

export type Sha256Implementation = 'wasm' | 'portable'

interface Engine {
  implementation: Sha256Implementation
  update(data: Uint8Array): void
  digest(): Uint8Array
}

function wasmEngine(hasher: IHasher): Engine {
  return {
    implementation: 'wasm',
    update: (data) => void hasher.update(data),
    digest: () => hasher.digest('binary'),
  }
}

function portableEngine(): Engine {
  const sha = new PortableSha256()
  return {
    implementation: 'portable',
    update: (data) => void sha.update(data),
    digest: () => sha.digest(),
  }
}

let lastImplementation: Sha256Implementation | undefined

/** Which implementation the most recent hasher got, for benchmarks and diagnostics. */
export function sha256Implementation(): Sha256Implementation | undefined {
  return lastImplementation
}

async function startEngine(): Promise<Engine> {
  if (typeof WebAssembly === 'undefined') return portableEngine()
  try {
    return wasmEngine(await createSHA256())
  } catch (err) {
    // A runtime may refuse to compile WebAssembly (a CSP without 'wasm-unsafe-eval'): the portable
    // hash gives the same digest, only slower, so the file is still hashed correctly.
    if (err instanceof WebAssembly.CompileError || err instanceof EvalError) return portableEngine()
    throw err
  }
}

/**
 * Incremental SHA-256 (FIPS 180-4). `update` may be called before the WebAssembly instance is
 * ready: the bytes are then copied and hashed, in order, once it is.
 */
export class Sha256 {
  private engine: Engine | undefined
  private readonly ready: Promise<Engine>
  private queued: Uint8Array[] = []
  private done = false

  constructor() {
    this.ready = startEngine().then((engine) => {
      for (const bytes of this.queued) engine.update(bytes)
      this.queued = []
      this.engine = engine
      lastImplementation = engine.implementation
      return engine
    })
    // A failure to start surfaces in digest(); this only keeps it from being unhandled meanwhile.
    this.ready.catch(() => undefined)
  }

  /** The bytes are hashed or copied before this returns: the caller may reuse them next. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('Sha256: update after digest')
    if (this.engine) this.engine.update(data)
    else this.queued.push(data.slice())
    return this
  }

  async digest(): Promise<Uint8Array> {
    if (this.done) throw new Error('Sha256: digest called twice')
    this.done = true
    return (await this.ready).digest()
  }
}
