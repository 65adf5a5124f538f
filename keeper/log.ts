import type { LogFormat } from './options.ts'

export interface KeeperLog {
  info(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/**
 * The keeper's operational events for the operator's journal: in `json` one object per line
 * (`time`, `level`, `msg` and fields) for a log shipper, in `text` `msg key=value …`. Debug
 * tracing stays with DEBUG=coffer:* on stderr.
 */
export function keeperLog(format: LogFormat): KeeperLog {
  const line = (level: string, msg: string, fields: Record<string, unknown>): string =>
    format === 'json'
      ? JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
      : [msg, ...Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(' ')
  return {
    info: (msg, fields = {}) => process.stdout.write(`${line('info', msg, fields)}\n`),
    error: (msg, fields = {}) => process.stderr.write(`${line('error', msg, fields)}\n`),
  }
}
