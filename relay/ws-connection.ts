import { AbstractMultiaddrConnection, type SendResult } from '@libp2p/utils'
import type { AbortOptions, Logger, MessageStreamDirection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { WebSocket } from 'ws'

export interface WsConnectionInit {
  socket: WebSocket
  /** Inbound for the relay's listener; outbound where a `ws` client socket is wrapped. */
  direction?: MessageStreamDirection
  remoteAddr: Multiaddr
  log: Logger
  /** Bytes queued in the socket before libp2p is told to wait for a drain. */
  maxBufferedBytes: number
  /** Closes the connection when nothing is read or written for this long. */
  inactivityTimeout: number
}

/** Close codes after which the peer hung up on purpose (1005: a close frame without a code). */
const CLEAN_CLOSE = new Set([1000, 1005])

/**
 * A libp2p connection over a `ws` socket. Unlike a browser WebSocket, `ws`
 * can pause reading, so a peer that sends faster than the relay reads is held back by TCP
 * instead of filling memory, and every write reports when it reached the kernel.
 */
export class WsConnection extends AbstractMultiaddrConnection {
  private readonly socket: WebSocket
  private readonly maxBufferedBytes: number
  private queued = 0
  private waitingForDrain = false

  constructor(init: WsConnectionInit) {
    super({
      remoteAddr: init.remoteAddr,
      direction: init.direction ?? 'inbound',
      log: init.log,
      inactivityTimeout: init.inactivityTimeout,
    })
    this.socket = init.socket
    this.maxBufferedBytes = init.maxBufferedBytes
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        // libp2p speaks binary frames only; text is a confused or hostile client.
        this.abort(new Error('text frame on a libp2p WebSocket'))
        return
      }
      this.onData(toUint8Array(data))
    })
    this.socket.once('close', (code: number) => {
      this.log('closed with code %d', code)
      if (CLEAN_CLOSE.has(code)) this.onTransportClosed()
      else this.onRemoteReset()
    })
  }

  sendData(data: Uint8ArrayList): SendResult {
    for (const buf of data) {
      this.queued += buf.byteLength
      this.socket.send(buf, { binary: true }, () => {
        this.queued -= buf.byteLength
        if (this.waitingForDrain && this.queued < this.maxBufferedBytes) {
          this.waitingForDrain = false
          this.safeDispatchEvent('drain')
        }
      })
    }
    const canSendMore = this.queued < this.maxBufferedBytes
    if (!canSendMore) this.waitingForDrain = true
    return { sentBytes: data.byteLength, canSendMore }
  }

  sendReset(): void {
    this.socket.terminate()
  }

  sendClose(options?: AbortOptions): Promise<void> {
    this.socket.close(1000)
    options?.signal?.throwIfAborted()
    return Promise.resolve()
  }

  sendPause(): void {
    this.socket.pause()
  }

  sendResume(): void {
    this.socket.resume()
  }
}

function toUint8Array(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
