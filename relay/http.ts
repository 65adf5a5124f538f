import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { extname, join, normalize, sep } from 'node:path'
import { securityHeaders } from '../src/core/security-headers.ts'

/** Every response of the app server carries these (see docs/DEPLOY.md, Security headers). */
export const APP_HEADERS: Readonly<Record<string, string>> = securityHeaders('app')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...APP_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'access-control-allow-origin': '*',
  })
  res.end(text)
}

/** Serves a file of a built web app; false when the path is not a file of it. */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  } catch {
    return false
  }
  if (pathname.endsWith('/')) pathname += 'index.html'
  const file = normalize(join(root, pathname))
  if (file !== root && !file.startsWith(root + sep)) return false
  let size: number
  try {
    const s = await stat(file)
    if (!s.isFile()) return false
    size = s.size
  } catch {
    return false
  }
  // Hashed build assets never change; everything else (index.html, sw.js, the manifest)
  // must be revalidated so a deployed update reaches users.
  const immutable = pathname.startsWith('/assets/')
  res.writeHead(200, {
    ...APP_HEADERS,
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  if (req.method === 'HEAD') {
    res.end()
    return true
  }
  createReadStream(file).pipe(res)
  return true
}

/**
 * Hands a WebSocket upgrade to the libp2p listener on a loopback port, so browsers reach
 * HTTP and libp2p on one public port (@libp2p/websockets owns its HTTP server and answers
 * plain requests with 400).
 */
export function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  targetPort: number,
  sockets: Set<Socket | Duplex>,
): void {
  const upstream = connect({ host: '127.0.0.1', port: targetPort })
  sockets.add(upstream)
  sockets.add(socket)
  const cleanup = (): void => {
    upstream.destroy()
    socket.destroy()
    sockets.delete(upstream)
    sockets.delete(socket)
  }
  upstream.on('error', cleanup)
  socket.on('error', cleanup)
  upstream.on('close', cleanup)
  socket.on('close', cleanup)
  upstream.on('connect', () => {
    let headText = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headText += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
    }
    upstream.write(headText + '\r\n')
    if (head.length > 0) upstream.write(head)
    socket.pipe(upstream)
    upstream.pipe(socket)
  })
}
