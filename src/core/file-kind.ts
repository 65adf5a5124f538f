/**
 * A file's kind in plain words ("PDF document", "Video") for lists and share pages, instead of
 * a raw media type. The declared type is hostile input: only its strictly parsed essence is
 * read, and the name's extension decides where the type says nothing useful. The words are
 * shown as text only; nothing here decides how a file is rendered (see media-type.ts).
 */
import { parseMediaType } from './media-type.ts'

const BY_ESSENCE: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF document',
  'application/zip': 'Zip archive',
  'application/x-tar': 'Archive',
  'application/gzip': 'Archive',
  'application/x-7z-compressed': 'Archive',
  'application/json': 'Data file',
  'text/csv': 'Spreadsheet',
  'application/vnd.ms-excel': 'Spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Spreadsheet',
  'application/vnd.oasis.opendocument.spreadsheet': 'Spreadsheet',
  'application/msword': 'Document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Document',
  'application/vnd.oasis.opendocument.text': 'Document',
  'application/vnd.ms-powerpoint': 'Presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'Presentation',
  'application/vnd.oasis.opendocument.presentation': 'Presentation',
  'text/html': 'Web page',
  'image/svg+xml': 'Drawing',
}

const BY_TYPE: Readonly<Record<string, string>> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  text: 'Text',
  font: 'Font',
}

const BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'PDF document',
  zip: 'Zip archive',
  tar: 'Archive',
  gz: 'Archive',
  tgz: 'Archive',
  '7z': 'Archive',
  rar: 'Archive',
  jpg: 'Image',
  jpeg: 'Image',
  png: 'Image',
  gif: 'Image',
  webp: 'Image',
  avif: 'Image',
  heic: 'Image',
  svg: 'Drawing',
  mp4: 'Video',
  mov: 'Video',
  webm: 'Video',
  mkv: 'Video',
  mp3: 'Audio',
  m4a: 'Audio',
  ogg: 'Audio',
  wav: 'Audio',
  flac: 'Audio',
  txt: 'Text',
  md: 'Text',
  csv: 'Spreadsheet',
  xls: 'Spreadsheet',
  xlsx: 'Spreadsheet',
  ods: 'Spreadsheet',
  doc: 'Document',
  docx: 'Document',
  odt: 'Document',
  ppt: 'Presentation',
  pptx: 'Presentation',
  odp: 'Presentation',
  html: 'Web page',
  htm: 'Web page',
  json: 'Data file',
}

/** Plain words for what a file is: from its declared type, else its name, else "File". */
export function fileKind(name: string, type: string): string {
  const parsed = parseMediaType(type)
  if (parsed !== undefined) {
    const words = BY_ESSENCE[parsed.essence] ?? BY_TYPE[parsed.type]
    if (words !== undefined) return words
  }
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
  return BY_EXTENSION[ext] ?? 'File'
}
