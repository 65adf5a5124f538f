/** How the relay writes its operational events: a line of text, or a JSON object per line. */
export type LogFormat = 'text' | 'json'

export interface EventLog {
  info(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/**
 * Operational events (started, refusals, stopping) for the operator's journal. In JSON
 * each line is one object with `time`, `level` and `msg`, ready for a log shipper; debug
 * tracing stays with DEBUG=coffer:* (libp2p's logger, on stderr).
 */
export function eventLog(
  format: LogFormat,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): EventLog {
  const write = (level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}) => {
    const stream = level === 'error' ? err : out
    if (format === 'json') {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`)
      return
    }
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    stream.write(
      `${level === 'error' ? 'coffer-relay: ' : ''}${msg}${extra === '' ? '' : ` ${extra}`}\n`,
    )
  }
  return {
    info: (msg, fields) => write('info', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  }
}
