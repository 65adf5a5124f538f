import { HELP, parseConfig } from './config.ts'
import { ConfigError } from './errors.ts'
import { startRelay } from './relay.ts'

/** The coffer-relay command: parse flags, start, print addresses, stop on a signal. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  let parsed
  try {
    parsed = parseConfig(argv, env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`coffer-relay: ${err.message}\nTry 'coffer-relay --help'.\n`)
      process.exit(2)
    }
    throw err
  }
  if (parsed.help) {
    process.stdout.write(HELP)
    return
  }
  const relay = await startRelay(parsed.config)
  const out = [
    `Coffer relay ${relay.peerId}`,
    `HTTP: ${relay.url} (GET /health, GET /config.json${parsed.config.appDir !== undefined ? ', app' : ''})`,
    ...(relay.stunPort !== undefined ? [`STUN: udp ${relay.stunPort}`] : []),
    'Multiaddrs:',
    ...relay.multiaddrs.map((a) => `  ${a}`),
    '',
  ]
  process.stdout.write(out.join('\n'))

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`Received ${signal}, shutting down\n`)
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    relay.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`coffer-relay: error while stopping: ${String(err)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}
