import os from 'node:os'

/** The machine a bench ran on, as every results file records it. */
export function machine(loadAverageAtStart: number[]) {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg(),
  }
}
