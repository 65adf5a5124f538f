// What one run of `npm run bench:e2e` measures, from its environment (see run-e2e.ts).
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import type { LinkShape } from './lab.ts'

export const MiB = 1024 * 1024
const root = fileURLToPath(new URL('../..', import.meta.url))
export const benchDir = fileURLToPath(new URL('.', import.meta.url))
export const outDir = join(root, 'node_modules', '.cache', 'coffer-bench', 'e2e')
export const resultsFile = new URL('results/e2e.json', import.meta.url)
export const SIZE = Number(process.env.BENCH_E2E_MIB ?? 64) * MiB
export const LARGE = Number(process.env.BENCH_E2E_LARGE_MIB ?? 256) * MiB
export const HOLDERS = 4
export const PLEDGE = 4 * 1024 * MiB
export const SAMPLE_MS = 250
/** How long the connected, idle co-op is watched for its background CPU use. */
export const IDLE_MS = 10_000
/** Every member's upload cap in the emulated-uplink steps, Mbit/s (0: no such steps). */
export const UPLINK_MBIT = Number(process.env.BENCH_E2E_UPLINK_MBIT ?? 10)
export const UPLINK_SIZE = Number(process.env.BENCH_E2E_UPLINK_MIB ?? 64) * MiB
/**
 * The path-limited steps: every path between two peers carries BENCH_E2E_PATH_MBIT (default 2.5,
 * 0 skips) while every uplink carries BENCH_E2E_PATH_UPLINK_MBIT (default 10), so one connection
 * is limited by its path and the owner's uplink has room for four. The rates are low so that
 * the six browsers sharing this machine's two cores stay below what the CPU can move (at 10
 * and 40 Mbit/s the raw upload shape alone already saturated it).
 */
export const PATH_MBIT = Number(process.env.BENCH_E2E_PATH_MBIT ?? 2.5)
export const PATH_UPLINK_MBIT = Number(process.env.BENCH_E2E_PATH_UPLINK_MBIT ?? 10)
export const PATH_SIZE = Number(process.env.BENCH_E2E_PATH_MIB ?? 64) * MiB

/**
 * Coffer download and bitswap fetch run this many times, alternating, and the goal ratio is the
 * median of the paired runs: single runs on this shared machine spread by ±20 %.
 */
export const REPEAT = Math.max(1, Number(process.env.BENCH_E2E_REPEAT ?? 3))

/** One shaping of the lab co-op's links under which the main steps run again. */
export interface LabProfile {
  /** Key of its figures in the JSON. */
  key: 'uplinkCapped' | 'pathCapped'
  /** Said after each step's name, and in the table. */
  tag: string
  /** Suffix of its CPU step names. */
  at: string
  shape: LinkShape
  /** File size of its steps, bytes. */
  size: number
  /** Whether the bitswap comparison runs too (BENCH_E2E_PATH_BITSWAP=0 leaves it out there). */
  bitswap: boolean
  /** Paired Coffer download / bitswap fetch runs (the link, not the CPU, sets the pace). */
  repeat: number
  how: string
}
export const LAB_PROFILES: LabProfile[] = [
  ...(UPLINK_MBIT > 0
    ? [
        {
          key: 'uplinkCapped' as const,
          tag: `every uplink ${UPLINK_MBIT} Mbit/s`,
          at: `-${UPLINK_MBIT}mbit`,
          shape: { mbit: UPLINK_MBIT },
          size: UPLINK_SIZE,
          bitswap: true,
          repeat: REPEAT,
          how: 'tc tbf on each peer’s side of its veth link: rate as given, burst 32 kB, queue 100 ms; downlinks uncapped; no added delay',
        },
      ]
    : []),
  ...(PATH_MBIT > 0
    ? [
        {
          key: 'pathCapped' as const,
          tag: `every path ${PATH_MBIT}, every uplink ${PATH_UPLINK_MBIT} Mbit/s`,
          at: `-path${PATH_MBIT}mbit`,
          shape: { mbit: PATH_UPLINK_MBIT, pathMbit: PATH_MBIT },
          size: PATH_SIZE,
          bitswap: process.env.BENCH_E2E_PATH_BITSWAP !== '0',
          // One bitswap fetch of 64 MiB over one 2.5 Mbit/s path takes about 4 minutes.
          repeat: Math.max(1, Number(process.env.BENCH_E2E_PATH_REPEAT ?? 1)),
          how: 'tc htb on each peer’s side of its veth link: one class at the uplink rate, under it one class per other peer (u32 on the destination address) capped at the path rate, each with a 100 ms pfifo queue; downlinks uncapped; no added delay (this kernel has no netem)',
        },
      ]
    : []),
]
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const DEBUG = process.env.BENCH_E2E_DEBUG !== undefined
/** BENCH_E2E_PROFILE=1: CPU-profile the main Coffer upload and download (unminified build). */
export const PROFILE = process.env.BENCH_E2E_PROFILE !== undefined
export const BROWSER_ARGS = [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory']
/** The whole run is killed past this (the brief allows about six minutes). */
export const WATCHDOG_MS = Number(process.env.BENCH_E2E_WATCHDOG_MIN ?? 75) * 60_000
