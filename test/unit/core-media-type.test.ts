import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseMediaType, PREVIEW_TYPES, previewOf } from '../../src/core/index.ts'

describe('parseMediaType', () => {
  it('folds case, trims whitespace and drops well-formed parameters', () => {
    expect(parseMediaType('TEXT/Plain')?.essence).toBe('text/plain')
    expect(parseMediaType('  image/png\t')?.essence).toBe('image/png')
    expect(parseMediaType('text/plain; charset=utf-8')?.essence).toBe('text/plain')
    expect(parseMediaType('text/plain;charset="utf-8"; format=flowed')?.essence).toBe('text/plain')
  })

  it('refuses lists, commas, bad tokens and odd characters', () => {
    for (const bad of [
      '',
      'text',
      'text/',
      '/plain',
      'text/plain/x',
      'text /plain',
      'text/ plain',
      'application/pdf;a=b,text/html',
      'image/png,text/html',
      'image/png, image/gif',
      'text/plain; a="x,y"',
      'text/plain;',
      'text/plain; a',
      'text/plain; a=',
      'text/plain; a="unterminated',
      'text/plain\r\n',
      'text/plain\u0000',
      'text/pl\u00e4in',
      'text/plain; a=b c',
      `text/${'x'.repeat(300)}`,
    ]) {
      expect(parseMediaType(bad), JSON.stringify(bad)).toBeUndefined()
    }
  })

  it('never returns an essence that is not exactly two tokens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const parsed = parseMediaType(s)
        if (parsed !== undefined) {
          expect(parsed.essence).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/)
          expect(s).not.toContain(',')
        }
      }),
    )
  })
})

describe('previewOf', () => {
  it('previews only the passive formats of the allowlist', () => {
    expect(previewOf('image/PNG')).toEqual({ kind: 'image', essence: 'image/png' })
    expect(previewOf('video/mp4; codecs="avc1.42E01E"')).toEqual({
      kind: 'video',
      essence: 'video/mp4',
    })
    expect(previewOf('audio/flac')?.kind).toBe('audio')
    expect(previewOf('text/plain; charset=utf-8')).toEqual({ kind: 'text', essence: 'text/plain' })
    expect(previewOf('application/json')?.kind).toBe('text')
  })

  it('leaves active and unknown formats download-only, however they are spelled', () => {
    for (const active of [
      'text/html',
      'TEXT/HTML',
      ' text/html ',
      'application/xhtml+xml',
      'image/svg+xml',
      'image/svg+xml; charset=x',
      'text/xml',
      'application/xml',
      'application/pdf',
      'application/pdf;a=b,text/html',
      'image/png,text/html',
      'text/javascript',
      'application/octet-stream',
      'image/x-icon',
      '',
    ]) {
      expect(previewOf(active), JSON.stringify(active)).toBeUndefined()
    }
  })

  it('has no active format in the allowlist', () => {
    const all = Object.values(PREVIEW_TYPES).flat()
    for (const t of all) expect(t).not.toMatch(/html|xml|svg|pdf|script/)
  })
})
