import { readFileSync } from 'node:fs'

/**
 * Machine-wide CPU time from /proc/stat (every process: the six pages, their workers, the
 * browser and network processes, the relay, this runner), in seconds. Every peer shares these
 * two cores, so a step's CPU seconds per MB say what it costs, whatever else ran.
 */

export interface CpuUse {
  busySeconds: number
  /** Share of the machine's CPU time that was busy during the step (1 = saturated). */
  busyShare: number
}
function cpuTicks(): { busy: number; all: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // cpu user nice system idle iowait irq softirq steal …
  const v = first.trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = v[3]! + v[4]!
  const all = v.reduce((a, b) => a + b, 0)
  return { busy: all - idle, all }
}
/** Starts measuring; the returned function gives the CPU used since. */
export function cpuMeter(): () => CpuUse {
  const a = cpuTicks()
  return () => {
    const b = cpuTicks()
    const busy = b.busy - a.busy
    // USER_HZ is 100 on Linux.
    return { busySeconds: busy / 100, busyShare: busy / Math.max(1, b.all - a.all) }
  }
}
