import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnRelay, type RelayProcess } from './relay-process.ts'
import { INVALID_FRAMES, rawUpgrade } from './raw-ws.ts'

describe('relay: malformed WebSocket frames', () => {
  let relay: RelayProcess
  beforeAll(async () => {
    relay = await spawnRelay()
  })
  afterAll(async () => {
    await relay.stop()
  })

  it.each(INVALID_FRAMES)(
    'closes the socket of a client that sends a frame with %s',
    async (_name, bytes) => {
      const ws = await rawUpgrade(relay.port)
      ws.socket.write(bytes)
      await ws.closed
      // Let an uncaught error, if any, reach the process before asking whether it is up.
      await new Promise((r) => setTimeout(r, 200))
      expect(relay.alive()).toBe(true)
      expect((await relay.health()).ok).toBe(true)
    },
  )
})
