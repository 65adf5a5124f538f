// What the peers need before they open: the bench page built and served, and a relay.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { build } from 'vite'
import { parseConfig, type RelayConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/relay.ts'
import { benchDir, outDir, PROFILE } from './e2e-settings.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.json': 'application/json',
}

/**
 * Serves the built bench page cross-origin isolated (COOP + COEP), which
 * performance.measureUserAgentSpecificMemory() requires; the pages still reach the relay
 * over WebSockets like the app does.
 */
export async function servePage(
  dir: string,
  host: string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      const file = normalize(join(dir, pathname))
      if (!file.startsWith(dir + sep) || !(await stat(file).catch(() => undefined))?.isFile()) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cache-control': 'no-cache',
      })
      createReadStream(file).pipe(res)
    })().catch(() => res.writeHead(500).end())
  })
  await new Promise<void>((res) => server.listen(0, host, res))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no page server address')
  return { url: `http://${host}:${address.port}`, server }
}

export async function buildPage(): Promise<void> {
  await build({
    root: benchDir,
    configFile: false,
    logLevel: 'warn',
    build: {
      target: 'es2023',
      outDir,
      emptyOutDir: true,
      minify: !PROFILE,
      rollupOptions: { input: join(benchDir, 'e2e.html') },
    },
    worker: { format: 'es' },
  })
}

/** A relay configuration from flags, as `coffer-relay` would read them. */
function relayConfig(argv: string[]): RelayConfig {
  const parsed = parseConfig(argv)
  if (parsed.help) throw new Error('unexpected --help')
  return parsed.config
}

/** A relay for one co-op, on `host`, keeping its identity in `dir`. */
export function startBenchRelay(host: string, dir: string): Promise<RunningRelay> {
  return startRelay(
    relayConfig([
      ...['--host', host, '--port', '0', '--data-dir', dir],
      ...['--identity', join(dir, 'identity.key')],
      ...['--max-reservations', '64', '--max-connections', '256'],
    ]),
  )
}
