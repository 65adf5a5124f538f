// The runner's clock and its progress lines, and the one rate every figure is given in.
import os from 'node:os'
import type { Timed } from './e2e-page.ts'

export const t0 = Date.now()
export const say = (s: string): void =>
  console.log(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}`)
/** The one-minute load average, noted before each step. */
export const load = (): number => Number(os.loadavg()[0]!.toFixed(2))
/** MB/s of the plaintext file (MB = 10^6 bytes). */
export const mbps = (t: Timed): number => t.bytes / 1e6 / (t.ms / 1000)

export function round(v: number, digits = 1): number {
  return Number(v.toFixed(digits))
}
