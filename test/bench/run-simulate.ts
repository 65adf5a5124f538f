// `npm run simulate`: the durability and availability simulator (docs/DURABILITY.md). Runs the
// co-op shapes of test/sim/shapes.ts with the real placement, availability and presence code,
// prints one table and writes test/bench/results/simulate.json. Seeded: the same figures every run.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { runCoop, type CoopResult } from '../sim/run-coop.ts'
import { RUN, SHAPES, WORLD } from '../sim/shapes.ts'

const resultsFile = new URL('results/simulate.json', import.meta.url)
const runsOverride = process.env.SIM_RUNS === undefined ? undefined : Number(process.env.SIM_RUNS)
const MONTH = RUN.YEAR / 12
const loadAtStart = os.loadavg()
const started = performance.now()
const cpuAtStart = process.cpuUsage()

const rows = SHAPES.map((shape, si) => {
  const t0 = performance.now()
  const runs = runsOverride ?? shape.runs
  const all: CoopResult[] = []
  for (let r = 0; r < runs; r++) all.push(runCoop(shape, 1000 * (si + 1) + r))
  const sum = (f: (c: CoopResult) => number): number => all.reduce((a, c) => a + f(c), 0)
  const fileYears = sum((c) => c.fileYears)
  const storedShardMonths = sum((c) => c.storedShardMs) / MONTH
  const perFile = all.flatMap((c) => c.perFile.map((x) => x / (c.samples / RUN.trackedFiles)))
  perFile.sort((a, b) => a - b)
  return {
    shape: shape.name,
    runs,
    coopYears: sum((c) => c.coopYears),
    fileYears,
    filesLost: sum((c) => c.lost),
    lossesPerFileYear: sum((c) => c.lost) / fileYears,
    availability: sum((c) => c.readable) / sum((c) => c.samples),
    worstFileAvailability: perFile[0] ?? 0,
    p1FileAvailability: perFile[Math.floor(perFile.length / 100)] ?? 0,
    predictedAvailability: sum((c) => c.predicted) / sum((c) => c.predictions),
    expansion: sum((c) => c.expansionSum) / sum((c) => c.expansionCount),
    storedOverData: storedShardMonths / (sum((c) => c.fileYears) * 12 * RUN.k),
    placementsBelowTarget: sum((c) => c.unreachedTarget) / sum((c) => c.expansionCount),
    repairPctPerMonth: (100 * sum((c) => c.repairShards)) / storedShardMonths,
    movePctPerMonth: (100 * sum((c) => c.moveShards)) / storedShardMonths,
    auditPctPerMonth: (100 * sum((c) => c.auditShards)) / storedShardMonths,
    repairsPerFileYear: sum((c) => c.repairs) / fileYears,
    placementCalls: sum((c) => c.placements),
    seconds: (performance.now() - t0) / 1000,
  }
})

const pct = (x: number, d = 3): string => `${(100 * x).toFixed(d)} %`
console.log(
  `machine: ${os.cpus().length} cores, load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}`,
)
console.table(
  rows.map((r) => ({
    shape: r.shape,
    'file-years': r.fileYears,
    'files lost': r.filesLost,
    availability: pct(r.availability),
    'model says': pct(r.predictedAvailability),
    'worst file': pct(r.worstFileAvailability, 1),
    'n/k': r.expansion.toFixed(2),
    'repair %/mo': r.repairPctPerMonth.toFixed(2),
    'moves %/mo': r.movePctPerMonth.toFixed(2),
    'audit %/mo': r.auditPctPerMonth.toFixed(2),
    s: r.seconds.toFixed(1),
  })),
)
await mkdir(new URL('.', resultsFile), { recursive: true })
await writeFile(
  resultsFile,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cores: os.cpus().length,
        node: process.version,
        loadAverage: loadAtStart,
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: (process.cpuUsage(cpuAtStart).user + process.cpuUsage(cpuAtStart).system) / 1e6,
      },
      settings: { run: RUN, world: WORLD },
      shapes: rows,
    },
    null,
    2,
  ) + '\n',
)
const cpu = process.cpuUsage(cpuAtStart)
console.log(
  `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, wall ${((performance.now() - started) / 1000).toFixed(1)} s; written ${resultsFile.pathname}`,
)
