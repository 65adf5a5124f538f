// `npm run bench:core`: serves test/bench/core.html with Vite, runs it in headless Chromium
// (the product's runtime), prints one table and saves the figures to test/bench/results/core.json.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'
import type { BenchSettings, Figure, PageResults } from './core-page.ts'
import { machine } from './machine.ts'
import { median } from './stats.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const resultsFile = new URL('results/core.json', import.meta.url)

const settings: BenchSettings = {
  segmentSize: 1024 * 1024,
  sampleMs: 300,
  samples: 7,
  pipelineBytes: 16 * 1024 * 1024,
}

const loadAtStart = os.loadavg()
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  optimizeDeps: { entries: ['test/bench/core.html', 'src/workers/stripe-worker.ts'] },
})
let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined
try {
  await server.listen()
  const address = server.httpServer?.address()
  if (!address || typeof address === 'string') throw new Error('vite did not start')
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  })
  const page = await browser.newPage()
  await page.exposeFunction('benchLoadAverage', () => os.loadavg()[0])
  page.on('console', (m) => {
    if (m.text().startsWith('[bench]')) console.log(m.text())
  })
  page.on('pageerror', (e) => console.error('page error:', e))
  await page.goto(`http://127.0.0.1:${address.port}/test/bench/core.html`)
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 })
  const started = Date.now()
  const results: PageResults = await page.evaluate((s) => window.runCoreBench(s), settings)
  const seconds = (Date.now() - started) / 1000

  const fig = (id: string): Figure => {
    const f = results.figures.find((x) => x.id === id)
    if (!f) throw new Error(`missing figure ${id}`)
    return f
  }
  // Both figures come from one interleaved measure(), so sample i of each is from round i: the
  // ratio is taken within each round, then the median over rounds.
  const ratio = (a: string, b: string) =>
    median(fig(a).samples.map((v, i) => v / fig(b).samples[i]!))
  const ratios = {
    encode4p4InPlace: ratio('ours-encode-reused-4+4', 'ref-encode-4+4'),
    encode4p4Fresh: ratio('ours-encode-4+4', 'ref-encode-fresh-4+4'),
    encode4p4OursApiOverRefInPlace: ratio('ours-encode-4+4', 'ref-encode-4+4'),
    decode4p4InPlace: ratio('ours-decode-reused-4+4', 'ref-decode-4+4'),
    decode4p4Fresh: ratio('ours-decode-4+4', 'ref-decode-fresh-4+4'),
    encode10p20InPlace: ratio('ours-encode-reused-10+20', 'ref-encode-10+20'),
    encode10p20Fresh: ratio('ours-encode-10+20', 'ref-encode-fresh-10+20'),
    decode10p20InPlace: ratio('ours-decode-reused-10+20', 'ref-decode-10+20'),
    decode10p20Fresh: ratio('ours-decode-10+20', 'ref-decode-fresh-10+20'),
    pipelinePoolOverAesGcm: ratio('pipeline-pool', 'aes-gcm'),
    pipelineOverAesGcm: ratio('pipeline', 'aes-gcm'),
    composedOverAesGcm: ratio('composed', 'aes-gcm'),
    pipelinePoolOverBound: median(results.bound.rounds.map((r) => r.ratio)),
  }
  const boundMbPerSec = median(results.bound.rounds.map((r) => r.boundMbPerSec))

  const rows = results.figures.map((f) => [f.label, f.mbPerSec.toFixed(0)])
  rows.push([
    `bound of the pipeline's steps over ${results.bound.cores} cores (median of rounds)`,
    boundMbPerSec.toFixed(0),
  ])
  const ratioRows: [string, number, number | undefined][] = [
    ['ours / ref, encode 4+4, both in reused memory (goal ≥ 4)', ratios.encode4p4InPlace, 4],
    ['ours / ref, encode 4+4, both into fresh memory', ratios.encode4p4Fresh, undefined],
    [
      'ours (fresh outputs) / ref in place, encode 4+4',
      ratios.encode4p4OursApiOverRefInPlace,
      undefined,
    ],
    ['ours / ref, decode 4+4, reused memory', ratios.decode4p4InPlace, undefined],
    ['ours / ref, decode 4+4, fresh memory', ratios.decode4p4Fresh, undefined],
    ['ours / ref, encode 10+20, reused memory', ratios.encode10p20InPlace, undefined],
    ['ours / ref, encode 10+20, fresh memory', ratios.encode10p20Fresh, undefined],
    ['ours / ref, decode 10+20, reused memory', ratios.decode10p20InPlace, undefined],
    ['ours / ref, decode 10+20, fresh memory', ratios.decode10p20Fresh, undefined],
    ['pipeline in the worker pool / AES-GCM (goal ≥ 0.5)', ratios.pipelinePoolOverAesGcm, 0.5],
    ['pipeline in the page thread / AES-GCM', ratios.pipelineOverAesGcm, undefined],
    ['composed / AES-GCM', ratios.composedOverAesGcm, undefined],
    ['pipeline in the worker pool / its bound (goal ≥ 0.8)', ratios.pipelinePoolOverBound, 0.8],
  ]
  const width = Math.max(...rows.map((r) => r[0]!.length), ...ratioRows.map((r) => r[0].length))
  const version = browser.version()
  console.log(
    `\nCoffer core benchmark — Chromium ${version}, ${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}`,
  )
  console.log(`${'measurement'.padEnd(width)}  MB/s`)
  console.log(`${'-'.repeat(width)}  ------`)
  for (const [label, v] of rows) console.log(`${label!.padEnd(width)}  ${v!.padStart(6)}`)
  console.log(`${'-'.repeat(width)}  ------`)
  for (const [label, v, goal] of ratioRows) {
    const verdict = goal === undefined ? '' : v >= goal ? '  (met)' : '  (NOT met)'
    console.log(`${label.padEnd(width)}  ${v.toFixed(2).padStart(6)}${verdict}`)
  }
  console.log('\nround  load  bound MB/s  pool pipeline MB/s  pipeline/bound  AES-GCM MB/s')
  for (const [i, r] of results.bound.rounds.entries()) {
    console.log(
      `${String(i + 1).padStart(5)}  ${(r.loadAverage ?? NaN).toFixed(2).padStart(4)}  ` +
        `${r.boundMbPerSec.toFixed(0).padStart(10)}  ${r.pipelineMbPerSec.toFixed(0).padStart(18)}  ` +
        `${r.ratio.toFixed(2).padStart(14)}  ${r.aesGcmMbPerSec.toFixed(0).padStart(12)}`,
    )
  }
  console.log(
    `\nplaintext SHA-256: ${results.bound.sha256Implementation}; WebAssembly kernel: ${results.wasmKernelVariant}; pipeline: ${results.pipeline.source}, ` +
      `${results.pipeline.bytes / 2 ** 20} MiB in ${results.pipeline.segmentSize / 2 ** 20} MiB segments; ` +
      `medians of ${settings.samples} samples; ${seconds.toFixed(0)} s in the browser; ` +
      `load average ${loadAtStart[0]!.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.`,
  )

  const json = {
    date: new Date().toISOString(),
    machine: { ...machine(loadAtStart) },
    chromium: { version, userAgent: results.userAgent, args: CHROMIUM_ARGS },
    settings,
    unit: 'MB/s (10^6 bytes of data per second; erasure figures count the k data shards)',
    wasmKernel: results.wasmKernel,
    wasmKernelVariant: results.wasmKernelVariant,
    pipeline: results.pipeline,
    bound: {
      cores: results.bound.cores,
      sha256Implementation: results.bound.sha256Implementation,
      medianMbPerSec: round(boundMbPerSec),
      rounds: results.bound.rounds.map((r) => ({
        loadAverage: r.loadAverage === undefined ? null : round(r.loadAverage, 2),
        boundMbPerSec: round(r.boundMbPerSec),
        pipelineMbPerSec: round(r.pipelineMbPerSec),
        ratio: round(r.ratio, 2),
        aesGcmMbPerSec: round(r.aesGcmMbPerSec),
      })),
    },
    figures: Object.fromEntries(
      results.figures.map((f) => [
        f.id,
        { label: f.label, mbPerSec: round(f.mbPerSec), samples: f.samples.map(round) },
      ]),
    ),
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 2)])),
  }
  await mkdir(new URL('.', resultsFile), { recursive: true })
  await writeFile(resultsFile, JSON.stringify(json, null, 2) + '\n')
  console.log(`saved ${fileURLToPath(resultsFile)}`)
} finally {
  await browser?.close()
  await server.close()
}

function round(v: number, digits = 1): number {
  return Number(v.toFixed(digits))
}
