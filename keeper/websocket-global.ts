import { WebSocket as WsSocket } from 'ws'

/**
 * @libp2p/websockets dials with the global `WebSocket`, which Node 20 lacks: the keeper gives
 * it the `ws` package's. libp2p resets a connection with close code 1006, which browsers take
 * and `ws` refuses, so that one code terminates the socket instead.
 */
class KeeperWebSocket extends WsSocket {
  override close(code?: number, reason?: string): void {
    if (code !== 1006) return super.close(code, reason)
    this.terminate()
  }
}

export function installWebSocket(): void {
  const g = globalThis as { WebSocket?: unknown }
  if (g.WebSocket === undefined) g.WebSocket = KeeperWebSocket
}
