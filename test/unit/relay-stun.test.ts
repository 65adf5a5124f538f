import { afterEach, describe, expect, it } from 'vitest'
import { createSocket, type Socket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startStunServer, type StunServer } from '../../relay/stun.ts'
import { stunAttr } from '../e2e/coturn.ts'

const COOKIE = 0x2112a442

/** A Binding request as a browser sends it: header, transaction ID, optional attributes. */
function bindingRequest(txId: Buffer, attributes: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(20)
  head.writeUInt16BE(0x0001, 0)
  head.writeUInt16BE(attributes.length, 2)
  head.writeUInt32BE(COOKIE, 4)
  txId.copy(head, 8)
  return Buffer.concat([head, attributes])
}

/** Reads the attributes of a STUN message by type. */
function attributes(msg: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  for (let at = 20; at + 4 <= msg.length;) {
    const type = msg.readUInt16BE(at)
    const len = msg.readUInt16BE(at + 2)
    out.set(type, msg.subarray(at + 4, at + 4 + len))
    at += 4 + Math.ceil(len / 4) * 4
  }
  return out
}

function decodeXorMapped(value: Buffer): { address: string; port: number } {
  expect(value[1]).toBe(0x01)
  const port = value.readUInt16BE(2) ^ (COOKIE >>> 16)
  const ip = value.readUInt32BE(4) ^ COOKIE
  return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port }
}

describe('built-in STUN server (RFC 8489 Binding)', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function setup(
    init: Partial<Parameters<typeof startStunServer>[0]> = {},
  ): Promise<{ server: StunServer; client: Socket; replies: Buffer[] }> {
    const server = await startStunServer({ host: '127.0.0.1', port: 0, ...init })
    cleanups.push(() => server.stop())
    const client = createSocket('udp4')
    cleanups.push(() => new Promise<void>((r) => client.close(() => r())))
    const replies: Buffer[] = []
    client.on('message', (m) => replies.push(m))
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()))
    return { server, client, replies }
  }

  function send(client: Socket, port: number, msg: Buffer): Promise<void> {
    return new Promise((res, rej) =>
      client.send(msg, port, '127.0.0.1', (e) => (e ? rej(e) : res())),
    )
  }

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25))
    expect(check()).toBe(true)
  }

  it('answers a Binding request with the address and port the request came from', async () => {
    const { server, client, replies } = await setup()
    const txId = randomBytes(12)
    await send(client, server.port, bindingRequest(txId))
    await until(() => replies.length === 1)
    const reply = replies[0] ?? Buffer.alloc(0)
    expect(reply.readUInt16BE(0)).toBe(0x0101)
    expect(reply.readUInt32BE(4)).toBe(COOKIE)
    expect(reply.subarray(8, 20).equals(txId)).toBe(true)
    const mapped = attributes(reply).get(0x0020)
    expect(mapped).toBeDefined()
    expect(decodeXorMapped(mapped ?? Buffer.alloc(8))).toEqual({
      address: '127.0.0.1',
      port: client.address().port,
    })
  })

  it('answers coturn’s own STUN client (turnutils_stunclient) with its reflexive address', async () => {
    const { server } = await setup()
    const { stdout: out } = await promisify(execFile)(
      'turnutils_stunclient',
      ['-p', String(server.port), '127.0.0.1'],
      { timeout: 10_000 },
    )
    expect(out).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/)
    expect(server.stats.answered).toBeGreaterThanOrEqual(1)
  })

  it('ignores what a browser adds that it need not understand (PRIORITY, SOFTWARE, FINGERPRINT)', async () => {
    const { server, client, replies } = await setup()
    const extra = Buffer.concat([
      stunAttr(0x0024, Buffer.alloc(4, 1)),
      stunAttr(0x8022, Buffer.from('test client')),
      stunAttr(0x8028, Buffer.alloc(4, 7)),
    ])
    await send(client, server.port, bindingRequest(randomBytes(12), extra))
    await until(() => replies.length === 1)
    expect(replies[0]?.readUInt16BE(0)).toBe(0x0101)
  })

  it('answers an unknown comprehension-required attribute with 420 naming it', async () => {
    const { server, client, replies } = await setup()
    await send(
      client,
      server.port,
      bindingRequest(randomBytes(12), stunAttr(0x7777, Buffer.alloc(4))),
    )
    await until(() => replies.length === 1)
    const reply = replies[0] ?? Buffer.alloc(0)
    expect(reply.readUInt16BE(0)).toBe(0x0111)
    const a = attributes(reply)
    const code = a.get(0x0009) ?? Buffer.alloc(4)
    expect((code[2] ?? 0) * 100 + (code[3] ?? 0)).toBe(420)
    expect(a.get(0x000a)?.readUInt16BE(0)).toBe(0x7777)
  })

  it('drops everything that is not a well-formed Binding request, and keeps serving', async () => {
    const { server, client, replies } = await setup()
    const good = bindingRequest(randomBytes(12))
    const noCookie = Buffer.from(good)
    noCookie.writeUInt32BE(0, 4)
    const wrongLength = Buffer.from(good)
    wrongLength.writeUInt16BE(8, 2)
    const indication = Buffer.from(good)
    indication.writeUInt16BE(0x0011, 0)
    const response = Buffer.from(good)
    response.writeUInt16BE(0x0101, 0)
    const truncatedAttr = bindingRequest(randomBytes(12), Buffer.from([0, 0x24, 0, 40, 0, 0, 0, 0]))
    const bad = [
      Buffer.alloc(0),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      good.subarray(0, 19),
      noCookie,
      wrongLength,
      indication,
      response,
      truncatedAttr,
      bindingRequest(randomBytes(12), stunAttr(0x8022, Buffer.alloc(600))),
    ]
    for (const b of bad) await send(client, server.port, b)
    await until(() => server.stats.dropped === bad.length)
    await send(client, server.port, good)
    await until(() => replies.length === 1)
    expect(replies[0]?.readUInt16BE(0)).toBe(0x0101)
    expect(server.stats).toEqual({ answered: 1, dropped: bad.length })
  })

  it('answers no more than its per-address burst when nothing refills it', async () => {
    const { server, client, replies } = await setup({ perIpBurst: 5, perIpRate: 0 })
    for (let i = 0; i < 20; i++) await send(client, server.port, bindingRequest(randomBytes(12)))
    await until(() => server.stats.answered + server.stats.dropped === 20)
    expect(server.stats).toEqual({ answered: 5, dropped: 15 })
    await until(() => replies.length === 5)
  })

  it('stops answering everyone past the global rate', async () => {
    const { server, client } = await setup({ globalRate: 3, perIpBurst: 100 })
    for (let i = 0; i < 10; i++) await send(client, server.port, bindingRequest(randomBytes(12)))
    await until(() => server.stats.answered + server.stats.dropped === 10)
    // The global bucket holds 3 and refills at 3/s; ten sent back to back exceed it.
    expect(server.stats.answered).toBeGreaterThanOrEqual(3)
    expect(server.stats.answered).toBeLessThan(10)
  })
})
