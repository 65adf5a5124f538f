import { HELP, parseConfig } from './config.ts'
import { ConfigError } from './errors.ts'
import { startRelay, type RunningRelay } from './relay.ts'
import { eventLog } from './event-log.ts'
import { REFUSAL_LOG_INTERVAL_MS } from './constants.ts'

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
  const config = parsed.config
  const events = eventLog(config.logFormat)

  // Handlers go in before anything is printed: a supervisor that signals as soon as it sees
  // the banner (or while the relay is still starting) must get a clean stop, not the
  // default action of the signal.
  const state: { relay?: RunningRelay; stopping?: string } = {}
  const shutdown = (signal: string): void => {
    if (state.stopping !== undefined) return
    state.stopping = signal
    clearInterval(summary)
    events.info(
      config.logFormat === 'json' ? 'stopping' : `Received ${signal}, shutting down`,
      config.logFormat === 'json' ? { signal } : {},
    )
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    // Still starting: the start below sees `state.stopping` and stops the relay once it is up.
    state.relay?.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        events.error('error while stopping', { error: String(err) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))

  // Refusals are counted, not logged one by one: a flood would otherwise flood the journal.
  let reported: Record<string, number> = {}
  const summary = setInterval(() => {
    if (state.relay === undefined) return
    const now = state.relay.health().refusals
    const since = Object.fromEntries(
      Object.entries(now)
        .map(([reason, n]) => [reason, n - (reported[reason] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    )
    reported = now
    if (Object.keys(since).length > 0) {
      events.info('refused', { since: REFUSAL_LOG_INTERVAL_MS / 1000, ...since })
    }
  }, REFUSAL_LOG_INTERVAL_MS)
  summary.unref()

  const running = await startRelay(config)
  state.relay = running
  if (state.stopping !== undefined) {
    await running.stop()
    process.exit(0)
  }
  if (config.logFormat === 'json') {
    events.info('started', {
      peerId: running.peerId,
      url: running.url,
      ...(running.stunPort !== undefined ? { stunPort: running.stunPort } : {}),
      multiaddrs: running.multiaddrs,
    })
  } else {
    const out = [
      `Coffer relay ${running.peerId}`,
      `HTTP: ${running.url} (GET /health, GET /config.json${config.metrics ? ', GET /metrics' : ''}${config.appDir !== undefined ? ', app' : ''})`,
      ...(running.stunPort !== undefined ? [`STUN: udp ${running.stunPort}`] : []),
      'Multiaddrs:',
      ...running.multiaddrs.map((a) => `  ${a}`),
      '',
    ]
    process.stdout.write(out.join('\n'))
  }
}
