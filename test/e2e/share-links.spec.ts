/**
 * Share links that cannot work (truncated, wrong encoding, unknown version, bad hints) open a
 * plain-language error page in a fresh browser: never a crash, never a blank screen, and no
 * co-op is created for the visitor.
 */
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { base64url } from 'multiformats/bases/base64'
import { capabilityBytes, type ReadCapability } from '../../src/core/index.ts'
import { expect, test } from './fixtures.ts'

async function someCapability(): Promise<ReadCapability> {
  const digest = await sha256.digest(new TextEncoder().encode('not a real manifest'))
  return { kind: 'read', manifest: CID.createV1(0x71, digest), key: new Uint8Array(32).fill(7) }
}

test('malformed share links show the error page with a plain-language message', async ({
  relay,
  browser,
}) => {
  const cap = await someCapability()
  const bytes = capabilityBytes(cap)
  const good = base64url.baseEncode(bytes)
  const reencode = (mutate: (b: Uint8Array) => void): string => {
    const copy = bytes.slice()
    mutate(copy)
    return base64url.baseEncode(copy)
  }
  const relayHint = `r=${encodeURIComponent(relay.multiaddrs[0]!)}`
  const cases: Array<{ what: string; fragment: string; kind: string; title: RegExp }> = [
    { what: 'empty', fragment: '', kind: 'damaged', title: /incomplete or damaged/ },
    {
      what: 'truncated',
      fragment: good.slice(0, 60),
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    {
      what: 'truncated by one character',
      fragment: good.slice(0, -1),
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    {
      what: 'standard base64 instead of base64url',
      fragment: `${good.slice(0, 10)}+/${good.slice(12)}`,
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    { what: 'padded', fragment: `${good}==`, kind: 'damaged', title: /incomplete or damaged/ },
    {
      what: 'extra bytes',
      fragment: base64url.baseEncode(new Uint8Array([...bytes, 0])),
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    {
      what: 'unknown version',
      fragment: reencode((b) => (b[0] = 0x03)),
      kind: 'unsupported',
      title: /different version/,
    },
    {
      what: 'unknown kind',
      fragment: reencode((b) => (b[1] = 0x07)),
      kind: 'unsupported',
      title: /different version/,
    },
    {
      what: 'not a dag-cbor manifest CID',
      fragment: reencode((b) => (b[3] = 0x55)),
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    {
      what: 'unknown hint',
      fragment: `${good}?x=1`,
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    {
      what: 'broken percent-encoding in a hint',
      fragment: `${good}?${relayHint.slice(0, 8)}%zz`,
      kind: 'damaged',
      title: /incomplete or damaged/,
    },
    { what: 'empty hint list', fragment: `${good}?`, kind: 'damaged', title: /incomplete/ },
  ]

  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const crashes: string[] = []
    page.on('pageerror', (e) => crashes.push(e.message))
    for (const c of cases) {
      await page.goto('about:blank')
      await page.goto(`${relay.url}/#/s/${c.fragment}`)
      const error = page.getByTestId('link-error')
      await expect(error, c.what).toBeVisible()
      await expect(error, c.what).toHaveAttribute('data-kind', c.kind)
      await expect(page.getByTestId('link-error-title'), c.what).toHaveText(c.title)
      // Plain language: what happened and what to do, no error codes or class names.
      const text = (await error.innerText()).toLowerCase()
      expect(text, c.what).toContain('what to do')
      expect(text, c.what).not.toMatch(/error:|capability|base64|undefined|exception/)
    }
    expect(crashes).toEqual([])
    // The visitor was never made a member: no co-op was created on this browser.
    const coop = await page.evaluate(
      () =>
        new Promise<unknown>((resolve) => {
          const open = indexedDB.open('coffer')
          open.onsuccess = () => {
            const db = open.result
            if (!db.objectStoreNames.contains('kv')) return resolve(undefined)
            const req = db.transaction('kv').objectStore('kv').get('coop')
            req.onsuccess = () => resolve(req.result)
            req.onerror = () => resolve(undefined)
          }
          open.onerror = () => resolve(undefined)
        }),
    )
    expect(coop).toBeUndefined()
  } finally {
    await context.close()
  }
})
