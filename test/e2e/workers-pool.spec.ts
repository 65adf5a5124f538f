import { expect, test } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { createServer, type ViteDevServer } from 'vite'

// Runs the stripe worker pool in real Chromium, served by Vite's dev server straight from
// src/ (module workers via `new URL(…, import.meta.url)`, as the app bundles them), and checks
// that it produces the same shards and manifest as the in-thread code.

type Core = typeof import('../../src/core/index.ts')
type Workers = typeof import('../../src/workers/index.ts')

let server: ViteDevServer
let origin: string

test.beforeAll(async () => {
  server = await createServer({
    root: fileURLToPath(new URL('../..', import.meta.url)),
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    // Pre-bundling would reload the page mid-test when it discovers a dependency.
    optimizeDeps: { noDiscovery: true, include: [] },
    worker: { format: 'es' },
    plugins: [
      {
        name: 'workers-pool-test-page',
        configureServer(s) {
          s.middlewares.use('/__workers-pool', (_req, res) => {
            res.setHeader('content-type', 'text/html')
            res.end('<!doctype html><meta charset="utf-8"><title>workers pool</title>')
          })
        },
      },
    ],
  })
  await server.listen()
  const address = server.httpServer?.address()
  if (!address || typeof address === 'string') throw new Error('no dev server address')
  origin = `http://127.0.0.1:${address.port}`
})

test.afterAll(async () => {
  await server?.close()
})

test('the worker pool encodes and decodes a file exactly like the in-thread code', async ({
  page,
}) => {
  await page.goto(`${origin}/__workers-pool`)
  const result = await page.evaluate(async () => {
    const corePath = '/src/core/index.ts'
    const workersPath = '/src/workers/index.ts'
    const core = (await import(/* @vite-ignore */ corePath)) as Core
    const { createWorkerPool } = (await import(/* @vite-ignore */ workersPath)) as Workers

    const size = 3 * 1024 * 1024 + 12345
    const data = new Uint8Array(size)
    let x = 2463534242
    for (let i = 0; i < size; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      data[i] = x & 0xff
    }
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (let off = 0; off < size; off += 100_000) c.enqueue(data.slice(off, off + 100_000))
          c.close()
        },
      })
    const fixed = {
      segmentSize: 256 * 1024,
      k: 4,
      n: 6,
      key: new Uint8Array(32).fill(7),
      fileId: new Uint8Array(16).fill(9),
      now: () => 1_764_000_000_000,
    }
    const hex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('')

    async function run(
      input: ReadableStream<Uint8Array>,
      codec?: import('../../src/core/index.ts').StripeCodec,
    ) {
      const cids: string[] = []
      const blocks = new Map<string, Uint8Array>()
      let manifest: { cid: string; bytes: string } | undefined
      for await (const ev of core.encodeFile(
        input,
        { name: 'pool.bin', type: 'application/octet-stream' },
        codec ? { ...fixed, codec, concurrency: 4 } : fixed,
      )) {
        if (ev.type === 'stripe') {
          for (const s of ev.shards) {
            cids.push(s.cid.toString())
            blocks.set(s.cid.toString(), s.bytes)
          }
        } else {
          manifest = { cid: ev.block.cid.toString(), bytes: hex(ev.block.bytes) }
          blocks.set(ev.block.cid.toString(), ev.block.bytes)
        }
      }
      return { cids, manifest: manifest!, blocks }
    }

    const local = await run(stream())
    const pool = createWorkerPool({ size: 2 })
    try {
      // A Blob's stream is a byte stream: the pool run also takes the BYOB, recycled-buffer path.
      const pooled = await run(new Blob([data]).stream(), pool)
      const cap = core.parseReadCapability(
        core.formatCapability({
          kind: 'read',
          manifest: (await core.dagCborBlock(pooled.blocks.get(pooled.manifest.cid)!)).cid,
          key: fixed.key,
        }),
      )
      const source = {
        get: (cid: { toString(): string }) => Promise.resolve(pooled.blocks.get(cid.toString())!),
      }
      const { stream: out } = await core.openFile(cap, source, {
        codec: pool,
        stripeConcurrency: 3,
      })
      const parts: Uint8Array[] = []
      const reader = out.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        parts.push(value)
      }
      const decoded = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      parts.reduce((off, p) => (decoded.set(p, off), off + p.length), 0)
      const digest = async (b: Uint8Array) =>
        hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(b))))
      return {
        stripes: local.cids.length / fixed.n,
        sameCids: JSON.stringify(local.cids) === JSON.stringify(pooled.cids),
        sameManifest: local.manifest.bytes === pooled.manifest.bytes,
        manifestCid: pooled.manifest.cid,
        decodedLength: decoded.length,
        sameDigest: (await digest(decoded)) === (await digest(data)),
        workerScript: performance
          .getEntriesByType('resource')
          .some((e) => e.name.includes('stripe-worker')),
      }
    } finally {
      pool.close()
    }
  })
  expect(result.stripes).toBe(13)
  expect(result.sameCids).toBe(true)
  expect(result.sameManifest).toBe(true)
  expect(result.decodedLength).toBe(3 * 1024 * 1024 + 12345)
  expect(result.sameDigest).toBe(true)
  expect(result.workerScript).toBe(true)
})
