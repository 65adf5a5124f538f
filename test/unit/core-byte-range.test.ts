import { describe, expect, it } from 'vitest'
import { parseByteRange } from '../../src/core/index.ts'

describe('parseByteRange', () => {
  it('reads the single ranges media elements send', () => {
    expect(parseByteRange('bytes=0-', 100)).toEqual({ start: 0, end: 100 })
    expect(parseByteRange('bytes=10-19', 100)).toEqual({ start: 10, end: 20 })
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 100 })
    expect(parseByteRange('bytes=-30', 100)).toEqual({ start: 70, end: 100 })
    expect(parseByteRange('bytes=-300', 100)).toEqual({ start: 0, end: 100 })
  })

  it('answers 416 for ranges past the end', () => {
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable')
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable')
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable')
  })

  it('sends the whole file for anything else', () => {
    for (const h of [
      null,
      '',
      'bytes=',
      'bytes=-',
      'items=0-1',
      'bytes=0-1,5-6',
      'bytes=5-2',
      'bytes=a-b',
    ]) {
      expect(parseByteRange(h, 100), String(h)).toBeUndefined()
    }
  })
})
