import { describe, expect, it } from 'vitest'
import { fileKind } from '../../src/core/file-kind.ts'

describe('file kinds in plain words', () => {
  it('names a file by its declared type first', () => {
    expect(fileKind('report', 'application/pdf')).toBe('PDF document')
    expect(fileKind('clip.bin', 'video/mp4')).toBe('Video')
    expect(fileKind('x', 'IMAGE/PNG')).toBe('Image')
    expect(fileKind('a.txt', 'audio/flac; rate=1')).toBe('Audio')
    expect(fileKind('page', 'text/html')).toBe('Web page')
  })

  it('falls back to the name when the type says nothing or is malformed', () => {
    expect(fileKind('Holiday.JPG', 'application/octet-stream')).toBe('Image')
    expect(fileKind('notes.md', '')).toBe('Text')
    // A list of types is hostile input, not a type: the name decides.
    expect(fileKind('film.mov', 'application/pdf;a=b,text/html')).toBe('Video')
    expect(fileKind('archive.tar.gz', 'garbage')).toBe('Archive')
  })

  it('says "File" when neither tells', () => {
    expect(fileKind('README', 'application/octet-stream')).toBe('File')
    expect(fileKind('.hidden', '')).toBe('File')
    expect(fileKind('odd.xyz', '')).toBe('File')
  })
})
