import { describe, expect, it } from 'vitest'
import { headerRouteFor, securityHeaders } from '../../src/core/security-headers.ts'

/** A CSP as directive → sources. */
function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out.set(name, sources)
  }
  return out
}

describe('securityHeaders', () => {
  it('gives the app a CSP that runs only its own scripts and is framed by no one', () => {
    const h = securityHeaders('app')
    const csp = directives(h['Content-Security-Policy']!)
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws:', 'wss:'])
    expect(csp.get('worker-src')).toEqual(["'self'"])
    expect(csp.get('img-src')).toContain('blob:')
    expect(csp.get('media-src')).toContain('blob:')
    for (const sources of csp.values()) {
      expect(sources).not.toContain("'unsafe-eval'")
      expect(sources).not.toContain('*')
      expect(sources).not.toContain('data:')
    }
    expect(h['X-Frame-Options']).toBe('DENY')
    expect(h['X-Content-Type-Options']).toBe('nosniff')
    expect(h['Referrer-Policy']).toBe('no-referrer')
    expect(h['Cross-Origin-Opener-Policy']).toBe('same-origin')
    for (const feature of ['camera', 'microphone', 'geolocation']) {
      expect(h['Permissions-Policy']).toContain(`${feature}=()`)
    }
  })

  it('allows inline styles for the dev server only, never inline scripts', () => {
    const dev = directives(securityHeaders('app', { dev: true })['Content-Security-Policy']!)
    expect(dev.get('style-src')).toContain("'unsafe-inline'")
    expect(dev.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"])
  })

  it('shows an untrusted file in an opaque origin that runs nothing', () => {
    const h = securityHeaders('view')
    const csp = directives(h['Content-Security-Policy']!)
    // `sandbox` with no allow- token: no scripts, no same origin, no plug-ins, no popups.
    expect(csp.get('sandbox')).toEqual([])
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.has('script-src')).toBe(false)
    expect(h['X-Content-Type-Options']).toBe('nosniff')
    expect(h['Referrer-Policy']).toBe('no-referrer')
  })

  it('lets any page frame the embeddable viewer, and nothing else of the app', () => {
    const app = securityHeaders('app')
    const embed = securityHeaders('embed')
    const appCsp = directives(app['Content-Security-Policy']!)
    const csp = directives(embed['Content-Security-Policy']!)
    expect(csp.get('frame-ancestors')).toEqual(['*'])
    expect(embed['X-Frame-Options']).toBeUndefined()
    // Every other directive and header is the app's own.
    for (const [name, sources] of appCsp) {
      if (name !== 'frame-ancestors') expect(csp.get(name), name).toEqual(sources)
    }
    for (const [name, value] of Object.entries(app)) {
      if (name !== 'Content-Security-Policy' && name !== 'X-Frame-Options') {
        expect(embed[name], name).toBe(value)
      }
    }
  })

  it('picks the embed headers for /embed only', () => {
    expect(headerRouteFor('/embed')).toBe('embed')
    expect(headerRouteFor('/app/embed', '/app/')).toBe('embed')
    for (const path of ['/', '/index.html', '/embed/', '/embed/x', '/x/embed', '/embed.html']) {
      expect(headerRouteFor(path), path).toBe('app')
    }
  })
})
