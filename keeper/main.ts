import '../src/core/polyfills.ts'
import { parseInvite } from '../src/net/coop.ts'
import { HELP, parseArgs } from './config.ts'
import { KeeperConfigError } from './errors.ts'
import { keeperLog } from './log.ts'
import { startKeeperNode, type KeeperNode } from './keeper-node.ts'
import { serveKeeperHttp, type KeeperHttp } from './http.ts'
import { SHUTDOWN_TIMEOUT_MS } from './constants.ts'

/** The coffer-keeper command: read options, join, serve, print the banner, stop on a signal. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  let parsed
  let coop
  try {
    parsed = parseArgs(argv, env)
    if (parsed.help) {
      process.stdout.write(HELP)
      return
    }
    coop = parseInvite(parsed.config.join)
  } catch (err) {
    if (err instanceof KeeperConfigError || (err as Error).name.startsWith('Invite')) {
      process.stderr.write(
        `coffer-keeper: ${(err as Error).message}\nTry 'coffer-keeper --help'.\n`,
      )
      process.exit(2)
    }
    throw err
  }
  const config = parsed.config
  const events = keeperLog(config.logFormat)
  const state: { keeper?: KeeperNode; http?: KeeperHttp; stopping?: string } = {}
  const stop = async (): Promise<void> => {
    await state.http?.close()
    await state.keeper?.stop()
  }
  const shutdown = (signal: string): void => {
    if (state.stopping !== undefined) return
    state.stopping = signal
    events.info('stopping', { signal })
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref()
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        events.error('error while stopping', { error: String(err) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))

  state.keeper = await startKeeperNode({
    coop,
    dataDir: config.dataDir,
    pledgeBytes: config.pledgeBytes,
    listen: config.listen,
    announce: config.announce,
  })
  state.http = await serveKeeperHttp(state.keeper, config.httpHost, config.httpPort)
  if (state.stopping !== undefined) {
    await stop()
    process.exit(0)
  }
  const h = await state.keeper.health()
  const fields = {
    peerId: state.keeper.peerId,
    coop: coop.name,
    url: state.http.url,
    multiaddrs: state.keeper.multiaddrs(),
    shards: h.shards,
    pledgeBytes: h.pledgeBytes,
  }
  if (config.logFormat === 'json') {
    events.info('started', fields)
  } else {
    process.stdout.write(
      [
        `Coffer keeper ${fields.peerId} for co-op "${fields.coop}"`,
        `HTTP: ${fields.url} (GET /health, GET /metrics)`,
        `Holding ${fields.shards} shards; pledge ${fields.pledgeBytes} bytes`,
        'Multiaddrs (give these to the relay with --keeper):',
        ...fields.multiaddrs.map((a) => `  ${a}`),
        '',
      ].join('\n'),
    )
  }
}
