import { describe, expect, it, vi } from 'vitest'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseShareFragment } from '../../src/core/index.ts'
import {
  EMBED_SANDBOX,
  embedSnippet,
  embedUrlFor,
  ShareState,
  shareLinkFor,
  type ShareLinkInput,
} from '../../src/state/share.svelte.ts'

async function peer(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

async function input(name: string): Promise<ShareLinkInput> {
  const cid = CID.createV1(0x71, await sha256.digest(new TextEncoder().encode(name)))
  return {
    file: { manifestCid: cid.toString(), key: new Uint8Array(32).fill(7), name },
    baseUrl: 'https://coffer.example/',
    relays: [`/dns4/relay.example/tcp/443/wss/p2p/${await peer()}`],
    holders: [await peer(), await peer()],
  }
}

/** The attributes of the one element in `html`, parsed the way a browser's tokenizer would. */
function attributes(html: string): Map<string, string> {
  const match = /^<iframe ((?:[a-z-]+="[^"]*" ?)+)><\/iframe>$/.exec(html)
  expect(match, html).not.toBeNull()
  const out = new Map<string, string>()
  for (const [, name, value] of match![1]!.matchAll(/([a-z-]+)="([^"]*)"/g)) {
    out.set(
      name!,
      value!
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&amp;', '&'),
    )
  }
  return out
}

describe('the embed snippet', () => {
  it('points at /embed with the share link’s fragment, the key never in a query', async () => {
    const i = await input('clip.webm')
    const link = shareLinkFor(i)
    const url = embedUrlFor(i)
    expect(url.startsWith('https://coffer.example/embed#/s/')).toBe(true)
    const parsed = new URL(url)
    expect(parsed.search).toBe('')
    expect(parsed.hash).toBe(new URL(link).hash)
    expect(parseShareFragment(parsed.hash).capability.key).toEqual(i.file.key)
  })

  it('sandboxes the frame to scripts in its own origin and downloads, nothing more', async () => {
    const i = await input('clip.webm')
    const a = attributes(embedSnippet(embedUrlFor(i), 'clip.webm'))
    expect(a.get('src')).toBe(embedUrlFor(i))
    expect(a.get('sandbox')!.split(' ').sort()).toEqual([
      'allow-downloads',
      'allow-same-origin',
      'allow-scripts',
    ])
    expect(a.get('sandbox')).toBe(EMBED_SANDBOX)
    expect(a.get('allow')).toBe('fullscreen')
    expect(a.get('referrerpolicy')).toBe('no-referrer')
    expect(a.get('title')).toBe('clip.webm, shared with Coffer')
  })

  it('keeps a hostile name inside its attribute', async () => {
    const name = `"><script>alert(1)</script><img src=x onerror='alert(2)'> & co`
    const i = await input(name)
    const html = embedSnippet(embedUrlFor(i), name)
    expect(html).not.toContain('<script')
    expect(html).not.toContain("'alert")
    expect(attributes(html).get('title')).toBe(`${name}, shared with Coffer`)
  })

  it('copies the snippet, and says so when the clipboard refuses', async () => {
    const share = new ShareState(await input('clip.webm'))
    const writeText = vi.fn(() => Promise.resolve())
    await share.copySnippet({ writeText })
    expect(writeText).toHaveBeenCalledWith(share.snippet)
    expect(share.snippetCopied).toBe('copied')
    expect(share.copied).toBeUndefined()
    await share.copySnippet({ writeText: () => Promise.reject(new Error('denied')) })
    expect(share.snippetCopied).toBe('failed')
    await share.copySnippet(undefined)
    expect(share.snippetCopied).toBe('failed')
  })
})
