import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { KeeperNode } from './keeper-node.ts'
import { HTTP_MAX_HEADER_BYTES, HTTP_REQUEST_TIMEOUT_MS } from './constants.ts'

export interface KeeperHttp {
  url: string
  close(): Promise<void>
}

/** `GET /health` (JSON, 200 while serving) and `GET /metrics` (Prometheus text); nothing else. */
export async function serveKeeperHttp(
  keeper: KeeperNode,
  host: string,
  port: number,
): Promise<KeeperHttp> {
  const server: Server = createServer(
    { maxHeaderSize: HTTP_MAX_HEADER_BYTES, requestTimeout: HTTP_REQUEST_TIMEOUT_MS },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0]
      const reply = (status: number, type: string, body: string): void => {
        res.writeHead(status, {
          'content-type': type,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        res.end(body)
      }
      if (req.method !== 'GET') return reply(405, 'text/plain', 'GET only\n')
      if (path === '/health') {
        keeper.health().then(
          (h) => reply(200, 'application/json', JSON.stringify({ status: 'ok', ...h })),
          (err: unknown) =>
            reply(503, 'application/json', JSON.stringify({ status: 'error', error: String(err) })),
        )
        return
      }
      if (path === '/metrics') {
        keeper.metrics.registry.metrics().then(
          (text) => reply(200, keeper.metrics.registry.contentType, text),
          (err: unknown) => reply(500, 'text/plain', `${String(err)}\n`),
        )
        return
      }
      reply(404, 'text/plain', 'not found\n')
    },
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const a = server.address() as AddressInfo
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address
  return {
    url: `http://${shown}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
