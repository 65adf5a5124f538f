// Memory of one page during a step: CDP samples of its main thread, and the browser's own
// attribution of the whole page with its workers.
import type { CDPSession, Page } from 'playwright-core'
import { SAMPLE_MS } from './e2e-settings.ts'

interface MemorySample {
  /** V8 heap of the page's main thread (Runtime.getHeapUsage usedSize). */
  heap: number
  /** ArrayBuffer backing stores of the main thread (outside the V8 heap; file bytes live here). */
  backing: number
  /** Performance.getMetrics JSHeapUsedSize, the figure DevTools shows. */
  jsHeapUsedSize: number
  /**
   * performance.measureUserAgentSpecificMemory() (cross-origin isolated page): all bytes, and
   * the part attributed to the page's dedicated workers (the stripe worker pool).
   */
  uaTotal?: number
  uaWorkers?: number
}

export interface MemoryFigures {
  samples: number
  baseline: MemorySample
  peak: {
    heap: number
    backing: number
    total: number
    jsHeapUsedSize: number
    uaTotal?: number
    uaWorkers?: number
  }
}

interface UaMemory {
  bytes: number
  workers: number
}

/** Runs in the page: the browser's own memory attribution, workers included. */
async function measureUa(): Promise<UaMemory | undefined> {
  const perf = performance as unknown as {
    measureUserAgentSpecificMemory?: () => Promise<{
      bytes: number
      breakdown: Array<{ bytes: number; attribution: Array<{ scope?: string }> }>
    }>
  }
  if (!crossOriginIsolated || perf.measureUserAgentSpecificMemory === undefined) return undefined
  const m = await perf.measureUserAgentSpecificMemory()
  let workers = 0
  for (const b of m.breakdown) {
    if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) workers += b.bytes
  }
  return { bytes: m.bytes, workers }
}

export class MemorySampler {
  readonly #cdp: CDPSession
  readonly #page: Page
  #timer: ReturnType<typeof setInterval> | undefined
  #samples: MemorySample[] = []
  #busy = false
  #ua: UaMemory[] = []
  #uaBusy = false

  private constructor(page: Page, cdp: CDPSession) {
    this.#page = page
    this.#cdp = cdp
  }

  static async attach(page: Page): Promise<MemorySampler> {
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    return new MemorySampler(page, cdp)
  }

  async sample(): Promise<MemorySample> {
    const usage = (await this.#cdp.send('Runtime.getHeapUsage')) as {
      usedSize: number
      backingStorageSize?: number
    }
    const { metrics } = await this.#cdp.send('Performance.getMetrics')
    const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
    return {
      heap: usage.usedSize,
      backing: usage.backingStorageSize ?? 0,
      jsHeapUsedSize: jsHeap,
    }
  }

  /** The slower browser-wide measurement, taken about once a second beside the CDP samples. */
  async sampleUa(): Promise<UaMemory | undefined> {
    return this.#page.evaluate(measureUa).catch(() => undefined)
  }

  /** Collects garbage, takes the baseline, then samples every SAMPLE_MS until stop(). */
  async start(): Promise<MemorySample> {
    await this.#cdp.send('HeapProfiler.collectGarbage')
    const ua = await this.sampleUa()
    const baseline = { ...(await this.sample()), uaTotal: ua?.bytes, uaWorkers: ua?.workers }
    this.#samples = [baseline]
    this.#ua = ua === undefined ? [] : [ua]
    let tick = 0
    this.#timer = setInterval(() => {
      if (!this.#busy) {
        this.#busy = true
        this.sample()
          .then((s) => this.#samples.push(s))
          .catch(() => {})
          .finally(() => (this.#busy = false))
      }
      if (ua !== undefined && tick++ % 4 === 0 && !this.#uaBusy) {
        this.#uaBusy = true
        this.sampleUa()
          .then((u) => u && this.#ua.push(u))
          .catch(() => {})
          .finally(() => (this.#uaBusy = false))
      }
    }, SAMPLE_MS)
    return baseline
  }

  stop(): MemoryFigures {
    clearInterval(this.#timer)
    const s = this.#samples
    const max = (f: (x: MemorySample) => number): number => Math.max(...s.map(f))
    const ua = this.#ua
    return {
      samples: s.length,
      baseline: s[0]!,
      peak: {
        heap: max((x) => x.heap),
        backing: max((x) => x.backing),
        total: max((x) => x.heap + x.backing),
        jsHeapUsedSize: max((x) => x.jsHeapUsedSize),
        ...(ua.length > 0
          ? {
              uaTotal: Math.max(...ua.map((u) => u.bytes)),
              uaWorkers: Math.max(...ua.map((u) => u.workers)),
            }
          : {}),
      },
    }
  }
}
