/**
 * The one home of Coffer's security headers: the relay's app server (relay/http.ts), vite's
 * dev and preview servers (vite.config.ts) and the service worker (src/sw.ts) all send these,
 * and docs/DEPLOY.md lists them for any other static host.
 */

/** Which response the headers are for. */
export type HeaderRoute =
  /** The app, its assets, /config.json, /health and error pages. */
  | 'app'
  /** An untrusted file shown by the service worker (`/__coffer/view/…`): an opaque origin. */
  | 'view'
  /** The embeddable viewer (`/embed`): the app's policy, but any page may frame it. */
  | 'embed'

/** The embeddable viewer's path under the app's base (docs/ARCHITECTURE.md, Embedding). */
export const EMBED_PATH = 'embed'

/** Which headers a request for `pathname` gets from a server of the app, relative to its base. */
export function headerRouteFor(pathname: string, base = '/'): HeaderRoute {
  return pathname === `${base}${EMBED_PATH}` ? 'embed' : 'app'
}

export interface SecurityHeaderOptions {
  /** Vite's dev server injects `<style>` elements (hot reload), which a strict CSP blocks. */
  dev?: boolean
}

/**
 * Scripts only from the app itself; 'wasm-unsafe-eval' because the Reed–Solomon code is
 * WebAssembly compiled at run time. `ws:`/`wss:` on any host: an invite may name relays and
 * keepers anywhere. `blob:` images and media: in-memory previews when no service worker runs.
 */
function appPolicy(dev: boolean, frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' blob:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "worker-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ')
}

/**
 * `sandbox` without any allow- token: the document gets an opaque origin, runs no script and
 * no plug-in (Chromium's PDF viewer included), so it can reach no key of the app's origin.
 * Inline styles only because the browser's own image and media documents use them.
 */
const VIEW_POLICY = [
  'sandbox',
  "default-src 'none'",
  "img-src 'self'",
  "media-src 'self'",
  "style-src 'unsafe-inline'",
  "frame-ancestors 'self'",
].join('; ')

const COMMON: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': [
    'camera=()',
    'microphone=()',
    'geolocation=()',
    'payment=()',
    'usb=()',
    'serial=()',
    'hid=()',
    'midi=()',
    'display-capture=()',
    'browsing-topics=()',
  ].join(', '),
}

/** The headers every response of the given route carries (names in their usual spelling). */
export function securityHeaders(
  route: HeaderRoute,
  options: SecurityHeaderOptions = {},
): Record<string, string> {
  const dev = options.dev === true
  if (route === 'view') {
    return { ...COMMON, 'Content-Security-Policy': VIEW_POLICY, 'X-Frame-Options': 'SAMEORIGIN' }
  }
  if (route === 'embed') {
    // Any page may frame the viewer (`*`: any http(s) page); X-Frame-Options has no value
    // that says so, hence none. Everything else is the app's policy.
    return { ...COMMON, 'Content-Security-Policy': appPolicy(dev, '*') }
  }
  return {
    ...COMMON,
    'Content-Security-Policy': appPolicy(dev, "'none'"),
    'X-Frame-Options': 'DENY',
  }
}
