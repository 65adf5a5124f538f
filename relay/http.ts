import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { headerRouteFor, securityHeaders } from '../src/core/security-headers.ts'

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

/**
 * Serves a regular file of a built web app; false when the path is not one. A symlink is
 * followed only when its target is inside the app folder too; a bad path answers 400.
 */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://relay.invalid').pathname)
  } catch {
    res.writeHead(400, { ...APP_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
    res.end('Bad request\n')
    return true
  }
  if (pathname.includes('\0')) return false
  // The embeddable viewer is the app's page under its own headers (any page may frame it).
  const route = headerRouteFor(pathname)
  if (route === 'embed') pathname = '/index.html'
  else if (pathname.endsWith('/')) pathname += 'index.html'
  const file = normalize(join(root, pathname))
  if (file !== root && !file.startsWith(root + sep)) return false
  let size: number
  let real: string
  try {
    const realRoot = await realpath(root)
    real = await realpath(file)
    if (!real.startsWith(realRoot + sep)) return false
    const s = await stat(real)
    if (!s.isFile()) return false
    size = s.size
  } catch {
    // Missing, unreadable or a dangling link: not a file of the app.
    return false
  }
  // Hashed build assets never change; everything else (index.html, sw.js, the manifest)
  // must be revalidated so a deployed update reaches users.
  const immutable = pathname.startsWith('/assets/')
  res.writeHead(200, {
    ...securityHeaders(route),
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  if (req.method === 'HEAD') {
    res.end()
    return true
  }
  createReadStream(real).pipe(res)
  return true
}
