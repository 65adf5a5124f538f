import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'

/** A TCP socket that completed a WebSocket upgrade; no frame parsing, bytes only. */
export interface RawWebSocket {
  socket: Socket
  /** Resolves when the relay closes or resets the socket. */
  closed: Promise<void>
  /** Bytes the relay sent after the 101 response. */
  received(): Buffer
}

export interface RawOptions {
  /** Source address, to look like another host (any 127.x.y.z works on Linux loopback). */
  localAddress?: string
  headers?: Record<string, string>
}

/** Opens a TCP connection and performs a WebSocket upgrade by hand. */
export function rawUpgrade(port: number, options: RawOptions = {}): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: options.localAddress })
    let head = Buffer.alloc(0)
    let upgraded = false
    let rest = Buffer.alloc(0)
    const closed = new Promise<void>((res) => socket.once('close', () => res()))
    socket.on('error', () => {
      // A reset from the relay is an expected answer to a hostile frame; `closed` reports it.
    })
    socket.once('connect', () => {
      const extra = Object.entries(options.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
      )
    })
    socket.on('data', (d: Buffer) => {
      if (upgraded) {
        rest = Buffer.concat([rest, d])
        return
      }
      head = Buffer.concat([head, d])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      if (!head.subarray(0, 12).toString().includes('101')) {
        socket.destroy()
        reject(new Error(`upgrade refused: ${head.subarray(0, end).toString()}`))
        return
      }
      upgraded = true
      rest = head.subarray(end + 4)
      resolve({ socket, closed, received: () => rest })
    })
    void closed.then(() => {
      if (!upgraded) reject(new Error('closed before the upgrade completed'))
    })
  })
}

/** One client-to-server frame, masked unless `mask` is false. */
export function frame(
  first: number,
  payload: Uint8Array = new Uint8Array(0),
  opts: { mask?: boolean; length?: bigint } = {},
): Buffer {
  const mask = opts.mask ?? true
  const len = opts.length ?? BigInt(payload.length)
  const parts: Buffer[] = [Buffer.from([first])]
  const m = mask ? 0x80 : 0
  if (len < 126n) parts.push(Buffer.from([m | Number(len)]))
  else if (len < 65536n) {
    const b = Buffer.alloc(3)
    b[0] = m | 126
    b.writeUInt16BE(Number(len), 1)
    parts.push(b)
  } else {
    const b = Buffer.alloc(9)
    b[0] = m | 127
    b.writeBigUInt64BE(len, 1)
    parts.push(b)
  }
  const key = randomBytes(4)
  if (mask) parts.push(key)
  const body = Buffer.from(payload)
  if (mask) for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (key[i % 4] ?? 0)
  parts.push(body)
  return Buffer.concat(parts)
}

/** The ten kinds of invalid frame a WebSocket server must reject (RFC 6455). */
export const INVALID_FRAMES: Array<[string, Buffer]> = [
  ['unmasked client frame', frame(0x82, Buffer.from('hi'), { mask: false })],
  ['RSV1 without an extension', frame(0xc2)],
  ['RSV2', frame(0xa2)],
  ['opcode 3', frame(0x83)],
  ['200-byte ping', frame(0x89, new Uint8Array(200))],
  ['2^53 length', frame(0x82, new Uint8Array(0), { length: 2n ** 53n })],
  ['bad UTF-8 text', frame(0x81, Uint8Array.from([0xff, 0xfe, 0xfd]))],
  ['close code 999', frame(0x88, Uint8Array.from([0x03, 0xe7]))],
  ['fragmented control frame', frame(0x09)],
  ['continuation without a start', frame(0x80, Buffer.from('x'))],
]
