/**
 * Share-link vectors (docs/FORMAT.md §9): `npx tsx test/vectors/share-links.ts >
 * test/vectors/share-links.json` writes them; test/unit/share-link.test.ts checks that the code
 * still makes exactly these links and rejects each malformed one with the error named.
 */
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { multiaddr } from '@multiformats/multiaddr'
import { concat, fromHex, toHex } from '../../src/core/bytes.ts'
import { formatShareLink, formatShareLinkV1, shareLinkPayload } from '../../src/core/index.ts'
import { peerIdFromDeviceKey } from '../../src/core/roster/keys.ts'

/** The manifest and key of the worked example (§10). */
const MANIFEST = 'bafyreihrsf4fazclhdihh5v6kmcscircyputzewlypl2xgiohotu5hbnya'
const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
const ORIGIN = 'https://coffer.example/'
const keyOf = (byte: number): Uint8Array => new Uint8Array(32).fill(byte)
const RELAY = `/dns4/relay.coffer.example/tcp/443/wss/p2p/${peerIdFromDeviceKey(keyOf(0x11))}`
const HOLDERS = [0x21, 0x22, 0x23].map((b) => peerIdFromDeviceKey(keyOf(b)))

const cap = { kind: 'read' as const, manifest: CID.parse(MANIFEST), key: fromHex(KEY) }
const link = (payload: Uint8Array): string => `${ORIGIN}#/s/${base64url.baseEncode(payload)}`
const hint = (tag: number, value: Uint8Array): Uint8Array =>
  concat([Uint8Array.of(tag, value.length), value])
const core = shareLinkPayload(cap)
const relayHint = hint(0x01, multiaddr(RELAY).bytes)
const holderHint = (b: number): Uint8Array => hint(0x02, keyOf(b))

export function computeShareLinkVectors() {
  const valid = [
    { name: 'no hints (the origin names the relay, its keepers hold the file)', hints: {} },
    { name: 'one holder', hints: { peers: HOLDERS.slice(0, 1) } },
    { name: 'one relay and two holders', hints: { relays: [RELAY], peers: HOLDERS.slice(0, 2) } },
  ].map(({ name, hints }) => {
    const text = formatShareLink(ORIGIN, cap, hints)
    return {
      name,
      relays: hints.relays ?? [],
      peers: hints.peers ?? [],
      payload: toHex(shareLinkPayload(cap, hints)),
      link: text,
      length: text.length,
    }
  })
  const core64 = base64url.baseEncode(core)
  // Each rule of §9.1, broken once. The last base64url character of a 65-byte payload carries
  // 2 bits that must be zero: "h" (index 33) sets one of them.
  const invalid: { rule: string; error: string; link: string }[] = [
    { rule: 'not #/s/', error: 'InvalidShareLinkError', link: `${ORIGIN}#/x/${core64}` },
    {
      rule: 'character outside base64url',
      error: 'InvalidShareLinkError',
      link: `${ORIGIN}#/s/${core64.slice(0, 10)}+${core64.slice(11)}`,
    },
    { rule: 'padding', error: 'InvalidShareLinkError', link: `${ORIGIN}#/s/${core64}=` },
    {
      rule: 'non-zero trailing bits',
      error: 'InvalidShareLinkError',
      link: `${ORIGIN}#/s/${core64.slice(0, -1)}h`,
    },
    { rule: 'empty payload', error: 'InvalidShareLinkError', link: `${ORIGIN}#/s/` },
    {
      rule: 'unknown version',
      error: 'UnsupportedShareLinkError',
      link: link(concat([Uint8Array.of(0x03), core.subarray(1)])),
    },
    {
      rule: 'truncated before the key ends',
      error: 'InvalidShareLinkError',
      link: link(core.subarray(0, 64)),
    },
    {
      rule: 'anything after the payload',
      error: 'InvalidShareLinkError',
      link: `${link(core)}?r=${encodeURIComponent(RELAY)}`,
    },
    {
      rule: 'a hint without its length byte',
      error: 'InvalidShareLinkError',
      link: link(concat([core, Uint8Array.of(0x02)])),
    },
    {
      rule: 'a hint longer than what is left',
      error: 'InvalidShareLinkError',
      link: link(concat([core, holderHint(0x21).subarray(0, 20)])),
    },
    {
      rule: 'unknown hint tag',
      error: 'UnsupportedShareLinkError',
      link: link(concat([core, hint(0x03, keyOf(0x21))])),
    },
    {
      rule: 'holder before relay',
      error: 'InvalidShareLinkError',
      link: link(concat([core, holderHint(0x21), relayHint])),
    },
    {
      rule: 'the same holder twice',
      error: 'InvalidShareLinkError',
      link: link(concat([core, holderHint(0x21), holderHint(0x21)])),
    },
    {
      rule: 'holder not 32 bytes',
      error: 'InvalidShareLinkError',
      link: link(concat([core, hint(0x02, new Uint8Array(31).fill(0x21))])),
    },
    {
      rule: 'relay not a binary multiaddr',
      error: 'InvalidShareLinkError',
      link: link(concat([core, hint(0x01, Uint8Array.of(0xff, 0xff, 0xff, 0x0f))])),
    },
    {
      rule: 'relay without a /p2p/ part',
      error: 'InvalidShareLinkError',
      link: link(
        concat([core, hint(0x01, multiaddr('/dns4/relay.coffer.example/tcp/443/wss').bytes)]),
      ),
    },
    {
      rule: 'empty relay',
      error: 'InvalidShareLinkError',
      link: link(concat([core, hint(0x01, new Uint8Array(0))])),
    },
    {
      rule: 'more than 16 holders',
      error: 'InvalidShareLinkError',
      link: link(concat([core, ...Array.from({ length: 17 }, (_, i) => holderHint(0x30 + i))])),
    },
    {
      rule: 'link over 16384 characters',
      error: 'InvalidShareLinkError',
      link: `${ORIGIN}${'a/'.repeat(8200)}#/s/${core64}`,
    },
    {
      rule: 'a query string before the fragment',
      error: 'InvalidShareLinkError',
      link: `${ORIGIN}?q=1#/s/${core64}`,
    },
    {
      rule: 'credentials in the URL',
      error: 'InvalidShareLinkError',
      link: `https://user:pw@coffer.example/#/s/${core64}`,
    },
  ]
  const old = formatShareLinkV1(ORIGIN, cap, { relays: [RELAY], peers: HOLDERS })
  return {
    input: { origin: ORIGIN, manifest: MANIFEST, key: KEY, relay: RELAY, holders: HOLDERS },
    valid,
    invalid,
    version1: { link: old, length: old.length, relays: [RELAY], peers: HOLDERS },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(computeShareLinkVectors(), null, 2)}\n`)
}
