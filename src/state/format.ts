/** Short form of a libp2p peer ID for display: the shared "12D3KooW" prefix says nothing. */
export function shortPeerId(peerId: string): string {
  return peerId.length <= 10 ? peerId : `…${peerId.slice(-8)}`
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Bytes in decimal units, as storage settings and phone makers show them. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits)} ${UNITS[unit]}`
}
