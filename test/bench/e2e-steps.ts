import { cpuMeter, type CpuUse } from './e2e-cpu.ts'
import { load, mbps, say } from './e2e-clock.ts'
import type { Timed } from './e2e-page.ts'

/** What every step of the run leaves behind: load before it, CPU it used, failed attempts. */
export class Steps {
  readonly loads: Record<string, number> = {}
  readonly cpu: Record<string, CpuUse> = {}
  readonly failures: string[] = []

  /** Runs one step, noting the load average before it and the CPU it used, and reports it. */
  async measured<T extends Timed>(step: string, label: string, run: () => Promise<T>): Promise<T> {
    this.loads[step] = load()
    const done = cpuMeter()
    const t = await run()
    this.cpu[step] = done()
    say(`${label}: ${(t.ms / 1000).toFixed(1)} s, ${mbps(t).toFixed(1)} MB/s of the file`)
    return t
  }
}
