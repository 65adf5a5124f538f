import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { clientAddress } from '../../relay/client-address.ts'

function req(remoteAddress: string, xff?: string | string[]): IncomingMessage {
  const headers = xff === undefined ? {} : { 'x-forwarded-for': xff }
  return { socket: { remoteAddress, remotePort: 4321 }, headers } as unknown as IncomingMessage
}

const proxies = new Set(['10.0.0.1', '10.0.0.2'])

describe('relay client address', () => {
  it('is the TCP peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress(req('198.51.100.4', '203.0.113.9'), new Set())).toEqual({
      ip: '198.51.100.4',
      port: 4321,
      forwarded: false,
    })
  })

  it('unwraps IPv4-mapped IPv6 peers', () => {
    expect(clientAddress(req('::ffff:198.51.100.4'), new Set()).ip).toBe('198.51.100.4')
  })

  it('takes the right-most untrusted entry behind trusted proxies', () => {
    const r = req('10.0.0.1', '192.0.2.1, 203.0.113.9, 10.0.0.2')
    expect(clientAddress(r, proxies)).toEqual({ ip: '203.0.113.9', port: 0, forwarded: true })
  })

  it('reads repeated headers as one list', () => {
    expect(clientAddress(req('10.0.0.1', ['192.0.2.1', '2001:db8::7']), proxies).ip).toBe(
      '2001:db8::7',
    )
  })

  it('falls back to the proxy itself on a missing, empty or garbled header', () => {
    for (const h of [undefined, '', 'not-an-ip', '203.0.113.9, <script>']) {
      expect(clientAddress(req('10.0.0.1', h), proxies)).toEqual({
        ip: '10.0.0.1',
        port: 4321,
        forwarded: false,
      })
    }
  })
})
