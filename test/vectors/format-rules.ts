// One vector per validation rule of docs/FORMAT.md (envelope, manifest, capability, share link,
// stripe), each valid or naming the error a decoder raises. Built from the worked example.
// `npx tsx test/vectors/format-rules.ts > test/vectors/format-rules.json` regenerates the file;
// test/unit/core-format-rules.test.ts checks the code against every vector.
import * as dagCbor from '@ipld/dag-cbor'
import { readFileSync } from 'node:fs'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { fromHex, toHex } from '../../src/core/bytes.ts'

interface Example {
  input: { key: string; fileId: string; origin: string; relay: string }
  output: {
    segments: Array<{ shardSize: number; ciphertext: string; shards: Array<{ bytes: string }> }>
    envelope: { plaintext: string }
    manifest: { bytes: string }
    readCapability: string
    repairCapability: string
    shareLinkV1: string
  }
}

/** What a decoder does with the vector: 'ok' (accepts it), or the name of the error it raises. */
type Outcome = string

export interface RuleVector {
  /** Named in docs/FORMAT.md next to the rule it checks. */
  rule: string
  kind: 'envelope' | 'manifest' | 'capability' | 'share-link' | 'stripe' | 'message'
  /** Hex bytes (envelope plaintext, manifest, message body) or text (capability, link). */
  input: string
  expect: Outcome
  /** For share links that parse: the hints found, in order. */
  relays?: string[]
  peers?: string[]
  /** For stripes: what decodeStripe is given (shards by position, null where missing). */
  stripe?: { index: number; final: boolean; k: number; n: number; length: number }
  shards?: Array<string | null>
}

const example = JSON.parse(
  readFileSync(new URL('format-example.json', import.meta.url), 'utf8'),
) as Example

const env = dagCbor.decode<Record<string, unknown>>(fromHex(example.output.envelope.plaintext))
const envelope = (change: Record<string, unknown>, drop: string[] = []): string => {
  const o: Record<string, unknown> = { ...env, ...change }
  for (const k of drop) delete o[k]
  return toHex(dagCbor.encode(o))
}
/** A CBOR text string head + bytes: for values the encoder would not produce. */
const cborText = (bytes: Uint8Array): string => {
  if (bytes.length >= 24) throw new Error('short strings only')
  return toHex(Uint8Array.of(0x60 | bytes.length, ...bytes))
}

const man = dagCbor.decode<{
  v: number
  layout: Record<string, unknown> & { stripes: Array<Record<string, unknown>> }
  envelope: Uint8Array
}>(fromHex(example.output.manifest.bytes))
const manifest = (change: (m: typeof man) => Record<string, unknown>): string =>
  toHex(dagCbor.encode(change(structuredClone(man))))

const read = base64url.baseDecode(example.output.readCapability)
const cap = (change: (b: Uint8Array) => Uint8Array): string =>
  base64url.baseEncode(change(read.slice()))
/** The last character of a base64url text with non-zero trailing bits (same decoded bytes). */
const withTrailingBits = (text: string): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(text.at(-1))
  return text.slice(0, -1) + alphabet[last | 1]!
}

const base = example.output.shareLinkV1.slice(0, example.output.shareLinkV1.indexOf('?'))
const relay = example.input.relay
const enc = encodeURIComponent
const peer = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

const seg0 = example.output.segments[0]!
const seg1 = example.output.segments[1]!
const shard = (s: typeof seg0, i: number): string => s.shards[i]!.bytes
const flip = (hex: string, at: number, mask: number): string => {
  const b = fromHex(hex)
  b[at]! ^= mask
  return toHex(b)
}
const s0 = { index: 0, final: false, k: 2, n: 3, length: fromHex(seg0.ciphertext).length }
const s1 = { index: 1, final: true, k: 2, n: 3, length: fromHex(seg1.ciphertext).length }

export function computeFormatRules(): RuleVector[] {
  const v: RuleVector[] = []
  const add = (rule: string, kind: RuleVector['kind'], input: string, expect: Outcome): void => {
    v.push({ rule, kind, input, expect })
  }
  const E = 'InvalidEnvelopeError'
  add('envelope-valid', 'envelope', example.output.envelope.plaintext, 'ok')
  add('envelope-name-empty', 'envelope', envelope({ name: '' }), 'ok')
  add('envelope-name-any-character', 'envelope', envelope({ name: 'a/b\\c\u0000d é' }), 'ok')
  add('envelope-name-1024-bytes', 'envelope', envelope({ name: 'é'.repeat(512) }), 'ok')
  add('envelope-name-1025-bytes', 'envelope', envelope({ name: `x${'é'.repeat(512)}` }), E)
  {
    // The name as the text string c3 28 (not UTF-8), placed where "name" goes.
    const good = envelope({ name: 'ab' })
    const bad = good.replace(
      cborText(new TextEncoder().encode('ab')),
      cborText(Uint8Array.of(0xc3, 0x28)),
    )
    add('envelope-name-not-utf8', 'envelope', bad, E)
  }
  add('envelope-type-empty', 'envelope', envelope({ type: '' }), 'ok')
  add('envelope-type-printable', 'envelope', envelope({ type: 'text/plain; charset="a b"~' }), 'ok')
  add('envelope-type-255', 'envelope', envelope({ type: 'a'.repeat(255) }), 'ok')
  add('envelope-type-256', 'envelope', envelope({ type: 'a'.repeat(256) }), E)
  add('envelope-type-control', 'envelope', envelope({ type: 'text/plain\t' }), E)
  add('envelope-type-non-ascii', 'envelope', envelope({ type: 'text/plaîn' }), E)
  add('envelope-size-negative', 'envelope', envelope({ size: -1 }), E)
  add('envelope-created-zero', 'envelope', envelope({ created: 0 }), 'ok')
  add('envelope-created-max', 'envelope', envelope({ created: Number.MAX_SAFE_INTEGER }), 'ok')
  add('envelope-created-2^53', 'envelope', envelope({ created: 2 ** 53 }), E)
  add('envelope-created-negative', 'envelope', envelope({ created: -1 }), E)
  add('envelope-created-float', 'envelope', envelope({ created: 1.5 }), E)
  add('envelope-sha256-31-bytes', 'envelope', envelope({ sha256: new Uint8Array(31) }), E)
  add('envelope-extra-field', 'envelope', envelope({ note: 'x' }), E)
  add('envelope-missing-field', 'envelope', envelope({}, ['created']), E)
  {
    // `size` 19 as the two-byte form 18 13 instead of 13: same value, not canonical.
    const good = example.output.envelope.plaintext
    add('envelope-not-canonical', 'envelope', good.replace('73697a6513', '73697a651813'), E)
  }

  const M = 'InvalidManifestError'
  const V = 'UnsupportedManifestVersionError'
  add('manifest-valid', 'manifest', example.output.manifest.bytes, 'ok')
  add(
    'manifest-version-2',
    'manifest',
    manifest((m) => ({ ...m, v: 2 })),
    V,
  )
  add(
    'manifest-version-2-wins',
    'manifest',
    manifest(() => ({ v: 2, extra: true })),
    V,
  )
  add(
    'manifest-version-text',
    'manifest',
    manifest((m) => ({ ...m, v: '1' })),
    M,
  )
  add('manifest-not-a-map', 'manifest', toHex(dagCbor.encode([1])), M)
  add(
    'manifest-extra-field',
    'manifest',
    manifest((m) => ({ ...m, x: 1 })),
    M,
  )
  add(
    'manifest-k-0',
    'manifest',
    manifest((m) => ({ ...m, layout: { ...m.layout, k: 0 } })),
    M,
  )
  add(
    'manifest-n-65',
    'manifest',
    manifest((m) => ({ ...m, layout: { ...m.layout, n: 65 } })),
    M,
  )
  add(
    'manifest-segments-mismatch',
    'manifest',
    manifest((m) => ({ ...m, layout: { ...m.layout, segments: 3 } })),
    M,
  )
  add(
    'manifest-shard-size',
    'manifest',
    manifest((m) => {
      m.layout.stripes[1]!.shardSize = 11
      return m
    }),
    M,
  )
  add(
    'manifest-shard-not-raw',
    'manifest',
    manifest((m) => {
      const shards = m.layout.stripes[0]!.shards as CID[]
      shards[0] = CID.createV1(0x71, shards[0]!.multihash)
      return m
    }),
    M,
  )
  add(
    'manifest-envelope-16-bytes',
    'manifest',
    manifest((m) => ({ ...m, envelope: new Uint8Array(16) })),
    M,
  )
  add(
    'manifest-link-without-0x00',
    'manifest',
    example.output.manifest.bytes.replaceAll('d82a58250001', 'd82a582401'),
    M,
  )
  add(
    'manifest-not-canonical',
    'manifest',
    example.output.manifest.bytes.replace(/^a3617601/, 'a361761801'),
    M,
  )

  const C = 'InvalidCapabilityError'
  const U = 'UnsupportedCapabilityError'
  add('capability-read', 'capability', example.output.readCapability, 'ok')
  add('capability-repair', 'capability', example.output.repairCapability, 'ok')
  add('capability-padding', 'capability', `${example.output.repairCapability}=`, C)
  add('capability-outside-alphabet', 'capability', `+${example.output.readCapability.slice(1)}`, C)
  add('capability-trailing-bits', 'capability', withTrailingBits(example.output.readCapability), C)
  add('capability-truncated', 'capability', example.output.readCapability.slice(0, -2), C)
  add('capability-one-byte', 'capability', 'AQ', C)
  add(
    'capability-version-2',
    'capability',
    cap((b) => ((b[0] = 2), b)),
    U,
  )
  add(
    'capability-kind-3',
    'capability',
    cap((b) => ((b[1] = 3), b)),
    U,
  )
  add(
    'capability-version-wins-over-length',
    'capability',
    cap((b) => ((b[0] = 2), b.subarray(0, 40))),
    U,
  )
  add(
    'capability-text-checked-before-version',
    'capability',
    withTrailingBits(cap((b) => ((b[0] = 2), b))),
    C,
  )
  add(
    'capability-raw-cid',
    'capability',
    cap((b) => ((b[3] = 0x55), b)),
    C,
  )

  const L = 'InvalidShareLinkError'
  const link = (
    rule: string,
    input: string,
    expect: Outcome,
    relays?: string[],
    peers?: string[],
  ) =>
    v.push({
      rule,
      kind: 'share-link',
      input,
      expect,
      ...(relays ? { relays, peers: peers ?? [] } : {}),
    })
  link('link-valid', example.output.shareLinkV1, 'ok', [relay])
  link('link-no-hints', base, 'ok', [])
  link('link-names-repeat', `${base}?p=${peer}&r=${enc(relay)}&p=a1`, 'ok', [relay], [peer, 'a1'])
  link('link-duplicates-kept', `${base}?r=${enc(relay)}&r=${enc(relay)}`, 'ok', [relay, relay])
  link('link-unencoded-slash', `${base}?r=${relay}`, 'ok', [relay])
  const many = (count: number) => Array.from({ length: count }, (_, i) => `r=%2Fr${i}`).join('&')
  link(
    'link-16-values',
    `${base}?${many(16)}`,
    'ok',
    Array.from({ length: 16 }, (_, i) => `/r${i}`),
  )
  link('link-17-values', `${base}?${many(17)}`, L)
  link('link-value-512', `${base}?r=/${'a'.repeat(511)}`, 'ok', [`/${'a'.repeat(511)}`])
  link('link-value-513', `${base}?r=/${'a'.repeat(512)}`, L)
  link('link-value-counted-decoded', `${base}?r=${enc(`/${'a'.repeat(511)}`)}`, 'ok', [
    `/${'a'.repeat(511)}`,
  ])
  link('link-value-empty', `${base}?r=`, L)
  link('link-pair-without-equals', `${base}?r`, L)
  link('link-empty-pair', `${base}?r=%2Fa&&p=a1`, L)
  link('link-empty-query', `${base}?`, L)
  link('link-unknown-name', `${base}?x=1`, L)
  link('link-name-case', `${base}?R=%2Fa`, L)
  link('link-bad-percent', `${base}?r=%2`, L)
  link('link-percent-not-utf8', `${base}?r=%2F%C3`, L)
  link('link-relay-space', `${base}?r=%2Fa%20b`, L)
  link('link-relay-no-slash', `${base}?r=dns4`, L)
  link('link-peer-not-alphanumeric', `${base}?p=12D3-Koo`, L)
  link('link-query-string', base.replace('/#', '/?x=1#'), L)
  link('link-credentials', base.replace('https://', 'https://u:p@'), L)
  link('link-not-http', base.replace('https://', 'ftp://'), L)
  link('link-not-share', base.replace('#/s/', '#/x/'), L)
  {
    // Every character percent-encoded: 16 values of 512 characters each once decoded, but
    // more than 16 384 characters as written, which is what the link length counts.
    const value = [...`/${'a'.repeat(511)}`].map((c) => `%${c.charCodeAt(0).toString(16)}`)
    const long = Array.from({ length: 16 }, () => `r=${value.join('')}`).join('&')
    link('link-too-long', `${base}?${long}`, L)
  }
  link('link-capability-first', `${base.slice(0, -2)}?x=1`, C)
  link('link-repair-capability', `${example.input.origin}#/s/${example.output.repairCapability}`, C)

  const stripe = (
    rule: string,
    meta: RuleVector['stripe'],
    shards: Array<string | null>,
    expect: Outcome,
  ): void => {
    v.push({ rule, kind: 'stripe', input: '', expect, stripe: meta, shards })
  }
  stripe('stripe-data-shards', s0, [shard(seg0, 0), shard(seg0, 1), null], 'ok')
  stripe('stripe-with-parity', s0, [null, shard(seg0, 1), shard(seg0, 2)], 'ok')
  stripe(
    'stripe-not-a-codeword',
    s0,
    [null, shard(seg0, 1), flip(shard(seg0, 2), 0, 1)],
    'SegmentAuthenticationError',
  )
  stripe(
    'stripe-padding-not-zero',
    s1,
    [shard(seg1, 0), flip(shard(seg1, 1), 9, 1), null],
    'ShardPaddingError',
  )
  // The `fetch` of the protocol example, and `space-info` with `free` 5 as an integer and as
  // the float 5.0, which reads as the same number but is not the canonical encoding.
  const M2 = 'MalformedMessageError'
  add(
    'message-valid',
    'message',
    'a361760163636964d82a582500015512202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98246474797065656665746368',
    'ok',
  )
  add('message-uint', 'message', 'a36176016466726565056474797065' + '6a73706163652d696e666f', 'ok')
  add(
    'message-float-for-uint',
    'message',
    'a36176016466726565fb4014000000000000647479706' + '56a73706163652d696e666f',
    M2,
  )
  return v
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(computeFormatRules(), null, 2)}\n`)
}
