/** Window of the moving average behind "3.2 MB/s": the figure follows the current speed. */
export const SPEED_WINDOW_MS = 3_000

/** Bytes per second over the last SPEED_WINDOW_MS of progress reports. */
export class SpeedMeter {
  #samples: { t: number; bytes: number }[] = []

  /** Starts over from `bytes` at time `t` (ms). */
  reset(t: number, bytes = 0): void {
    this.#samples = [{ t, bytes }]
  }

  /** Records that `bytes` were done at time `t` (ms) and returns the speed now. */
  add(t: number, bytes: number): number {
    this.#samples.push({ t, bytes })
    while (this.#samples.length > 2 && t - this.#samples[0]!.t > SPEED_WINDOW_MS) {
      this.#samples.shift()
    }
    const first = this.#samples[0]!
    const dt = (t - first.t) / 1000
    return dt > 0 ? (bytes - first.bytes) / dt : 0
  }
}
