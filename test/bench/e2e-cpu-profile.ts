import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

/** Profiles each page's main thread between start() and the returned stop(). */
export async function profilePages(pages: Array<[string, Page]>): Promise<() => Promise<void>> {
  const sessions = await Promise.all(
    pages.map(async ([name, page]) => {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
      await cdp.send('Profiler.start')
      return [name, cdp] as const
    }),
  )
  return async () => {
    for (const [name, cdp] of sessions) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: { nodes: ProfileNode[]; startTime: number; endTime: number }
      }
      const file = join(os.tmpdir(), `coffer-bench-${name}.cpuprofile`)
      await writeFile(file, JSON.stringify(profile))
      const self = new Map<string, number>()
      let total = 0
      for (const n of profile.nodes) {
        const hits = n.hitCount ?? 0
        total += hits
        const where = n.callFrame.url.split('/').pop() ?? ''
        const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
        self.set(key, (self.get(key) ?? 0) + hits)
      }
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)
      console.log(`\nCPU profile of ${name} (main thread, self time), saved to ${file}:`)
      for (const [key, hits] of top) {
        console.log(`  ${((100 * hits) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${key}`)
      }
    }
  }
}
