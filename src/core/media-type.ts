/**
 * A file's declared media type is hostile input: whoever uploaded it chose it. These helpers
 * decide what a type may be previewed as, and they say no to anything they do not fully
 * understand, so that a type crafted to mean one thing here and another to the browser
 * (`application/pdf;a=b,text/html`, `image/png,text/html`) is offered for download only.
 */
import { MAX_MEDIA_TYPE_LENGTH } from './constants.ts'

/** How a file is shown inline; a type without one is download-only. */
export type PreviewKind = 'image' | 'video' | 'audio' | 'text'

/** A strictly parsed `type/subtype`, case-folded; parameters are checked, then dropped. */
export interface MediaType {
  type: string
  subtype: string
  /** `type/subtype`, the only form ever handed to the browser. */
  essence: string
}

/**
 * The passive formats, per preview kind. Everything else (SVG, HTML, XML, PDF, anything
 * unknown) can carry script or is rendered by a plug-in, so it is never shown in the app.
 */
export const PREVIEW_TYPES: Readonly<Record<PreviewKind, readonly string[]>> = {
  image: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif'],
  video: ['video/mp4', 'video/webm', 'video/ogg'],
  audio: ['audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'audio/mp4', 'audio/flac'],
  // Shown as characters in a text node, never parsed, so JSON and CSV are as safe as plain text.
  text: ['text/plain', 'text/csv', 'text/markdown', 'application/json'],
}

// RFC 9110 §5.6.2 token.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const QUOTED = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"'
const WS = '[ \\t]*'
const PARAMETER = `${WS};${WS}${TOKEN}=(?:${TOKEN}|${QUOTED})`
const MEDIA_TYPE = new RegExp(`^${WS}(${TOKEN})/(${TOKEN})((?:${PARAMETER})*)${WS}$`)

/**
 * Parses one media type: `type/subtype` and well-formed parameters, nothing else. Lists,
 * commas anywhere (even in a quoted parameter: some parsers split there), bad tokens,
 * control or non-ASCII characters and over-long values give undefined.
 */
export function parseMediaType(value: string): MediaType | undefined {
  if (value.length > MAX_MEDIA_TYPE_LENGTH || value.includes(',')) return undefined
  const m = MEDIA_TYPE.exec(value)
  if (m === null) return undefined
  const type = m[1]!.toLowerCase()
  const subtype = m[2]!.toLowerCase()
  return { type, subtype, essence: `${type}/${subtype}` }
}

/** What the file may be previewed as, with the essence to serve it under; undefined: download. */
export function previewOf(value: string): { kind: PreviewKind; essence: string } | undefined {
  const parsed = parseMediaType(value)
  if (parsed === undefined) return undefined
  for (const [kind, types] of Object.entries(PREVIEW_TYPES) as Array<[PreviewKind, string[]]>) {
    if (types.includes(parsed.essence)) return { kind, essence: parsed.essence }
  }
  return undefined
}
