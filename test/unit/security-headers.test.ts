import { describe, expect, it } from 'vitest'
import { securityHeaders } from '../../src/core/security-headers.ts'

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
})
