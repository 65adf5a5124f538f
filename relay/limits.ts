import {
  DEFAULT_CONNECTION_RATE_PER_IP,
  DEFAULT_HANDSHAKE_TIMEOUT_S,
  DEFAULT_HEADERS_TIMEOUT_S,
  DEFAULT_IDLE_TIMEOUT_S,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_PENDING_UPGRADES,
  DEFAULT_MAX_RESERVATIONS,
  DEFAULT_MAX_RESERVATIONS_PER_IP,
  DEFAULT_MAX_STREAMS,
  DEFAULT_MAX_WS_PAYLOAD,
  DEFAULT_RELAY_DATA_LIMIT,
  DEFAULT_RELAY_DURATION_S,
  DEFAULT_REQUEST_TIMEOUT_S,
} from './constants.ts'

/** Every numeric limit of the relay: one flag, one environment variable, one default each. */
export interface RelayLimits {
  maxReservations: number
  maxReservationsPerIp: number
  maxConnections: number
  maxConnectionsPerIp: number
  connectionRatePerIp: number
  maxPendingUpgrades: number
  handshakeTimeout: number
  idleTimeout: number
  maxWsPayload: number
  maxStreams: number
  relayDataLimit: number
  relayDurationLimit: number
  maxHeaderBytes: number
  maxBodyBytes: number
  headersTimeout: number
  requestTimeout: number
}

export interface LimitFlag {
  key: keyof RelayLimits
  flag: string
  env: string
  fallback: number
  min: number
  max: number
  help: string
}

const flag = (
  key: keyof RelayLimits,
  fallback: number,
  min: number,
  max: number,
  help: string,
): LimitFlag => {
  const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  return {
    key,
    flag: name,
    env: `COFFER_RELAY_${name.replace(/-/g, '_').toUpperCase()}`,
    fallback,
    min,
    max,
    help,
  }
}

export const LIMIT_FLAGS: LimitFlag[] = [
  flag('maxReservations', DEFAULT_MAX_RESERVATIONS, 1, 1e6, 'circuit relay reservations'),
  flag(
    'maxReservationsPerIp',
    DEFAULT_MAX_RESERVATIONS_PER_IP,
    1,
    1e6,
    'reservations per client IP',
  ),
  flag('maxConnections', DEFAULT_MAX_CONNECTIONS, 1, 1e6, 'open connections'),
  flag(
    'maxConnectionsPerIp',
    DEFAULT_MAX_CONNECTIONS_PER_IP,
    1,
    1e6,
    'open WebSockets per client IP',
  ),
  flag('connectionRatePerIp', DEFAULT_CONNECTION_RATE_PER_IP, 1, 1e6, 'new connections/s per IP'),
  flag('maxPendingUpgrades', DEFAULT_MAX_PENDING_UPGRADES, 1, 1e6, 'connections mid-handshake'),
  flag('handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT_S, 1, 3600, 'seconds to finish noise+yamux'),
  flag('idleTimeout', DEFAULT_IDLE_TIMEOUT_S, 0, 86400, 's without reservation/circuit, 0=off'),
  flag(
    'maxWsPayload',
    DEFAULT_MAX_WS_PAYLOAD,
    1024,
    64 * 1024 * 1024,
    'bytes per WebSocket message',
  ),
  flag('maxStreams', DEFAULT_MAX_STREAMS, 1, 10_000, 'inbound streams per connection'),
  flag('relayDataLimit', DEFAULT_RELAY_DATA_LIMIT, 1024, 2 ** 40, 'bytes per relayed connection'),
  flag('relayDurationLimit', DEFAULT_RELAY_DURATION_S, 1, 86400, 'seconds per relayed connection'),
  flag('maxHeaderBytes', DEFAULT_MAX_HEADER_BYTES, 1024, 1024 * 1024, 'HTTP request head bytes'),
  flag('maxBodyBytes', DEFAULT_MAX_BODY_BYTES, 0, 1024 * 1024, 'HTTP request body bytes'),
  flag('headersTimeout', DEFAULT_HEADERS_TIMEOUT_S, 1, 3600, 'seconds to send request headers'),
  flag('requestTimeout', DEFAULT_REQUEST_TIMEOUT_S, 1, 3600, 'seconds for a whole request'),
]

/** The help lines of the limit flags, aligned like the rest of HELP. */
export function limitHelp(): string {
  return LIMIT_FLAGS.map((f) => {
    const left = `  --${f.flag} <n>`.padEnd(34)
    const mid = f.help.padEnd(38)
    return `${left}${mid}${f.env} (default ${f.fallback})`
  }).join('\n')
}

/** Every limit at its default, for code that builds a RelayConfig by hand. */
export function defaultLimits(): RelayLimits {
  return Object.fromEntries(LIMIT_FLAGS.map((f) => [f.key, f.fallback])) as unknown as RelayLimits
}
