// `npm run bench:relay`: ramps Node members (built like browser members) against one real
// relay process on loopback and writes test/bench/results/relay.json.
import '../../src/core/polyfills.ts'
import { fork, type ChildProcess } from 'node:child_process'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { spawnRelay, type RelayProcess } from '../relay/relay-process.ts'
import { DISCOVERY_TOPIC_PREFIX } from '../../relay/constants.ts'
import type { Command, MemberSpec, Report } from './relay-members.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const STEPS = (process.env.BENCH_RELAY_STEPS ?? '100,300,1000').split(',').map(Number)
const PROCS = Number(process.env.BENCH_RELAY_PROCS ?? 4)
const CONCURRENCY = Number(process.env.BENCH_RELAY_CONCURRENCY ?? 8)
const HOLD_MS = 10_000
const DELIVERY_WAIT_MS = 15_000
const CLK_TCK = 100

const say = (msg: string): void => {
  process.stdout.write(`[bench:relay] ${msg}\n`)
}

/** One co-op of 100 (when there are that many members), the rest in co-ops of 10. */
function layout(n: number): MemberSpec[] {
  const specs: MemberSpec[] = []
  const big = n >= 100 ? 100 : 0
  for (let i = 0; i < n; i++) {
    const coop = i < big ? 'big' : `c${Math.floor((i - big) / 10)}`
    specs.push({
      index: i,
      topic: `${DISCOVERY_TOPIC_PREFIX}bench-${coop}`,
      localAddress: `127.1.${(i + 1) >> 8}.${(i + 1) & 255}`,
    })
  }
  return specs
}

function expectedDeliveries(specs: MemberSpec[]): number {
  const sizes = new Map<string, number>()
  for (const s of specs) sizes.set(s.topic, (sizes.get(s.topic) ?? 0) + 1)
  let n = 0
  for (const size of sizes.values()) n += size * (size - 1)
  return n
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0)
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

class Worker {
  private readonly child: ChildProcess
  private readonly waiting = new Map<Report['kind'], (r: Report) => void>()
  constructor() {
    this.child = fork(join(ROOT, 'test/bench/relay-members.ts'), {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.child.on('message', (r: Report) => this.waiting.get(r.kind)?.(r))
  }
  ask<K extends Report['kind']>(
    cmd: Command,
    kind: K,
    timeoutMs: number,
  ): Promise<Extract<Report, { kind: K }>> {
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`worker: no ${kind} in ${timeoutMs} ms`)),
        timeoutMs,
      )
      this.waiting.set(kind, (r) => {
        clearTimeout(timer)
        res(r as Extract<Report, { kind: K }>)
      })
      this.child.send(cmd)
    })
  }
  kill(): void {
    this.child.kill('SIGKILL')
  }
}

async function step(n: number): Promise<Record<string, unknown>> {
  const specs = layout(n)
  const relay: RelayProcess = await spawnRelay({
    args: ['--max-reservations', String(n + 100), '--max-connections', String(2 * n + 100)],
  })
  const pid = relay.child.pid ?? 0
  const workers = Array.from({ length: Math.min(PROCS, n) }, () => new Worker())
  let peakRss = 0
  const sampler = setInterval(() => {
    relay.rssMiB().then(
      (r) => (peakRss = Math.max(peakRss, r)),
      () => undefined,
    )
  }, 1000)
  try {
    await new Promise((r) => setTimeout(r, 1000))
    const baselineRss = await relay.rssMiB()
    say(`${n} members: relay up (RSS ${baselineRss.toFixed(0)} MiB), starting members`)
    const t0 = performance.now()
    const started = await Promise.all(
      workers.map((w, i) =>
        w.ask(
          {
            cmd: 'start',
            relay: relay.multiaddr,
            members: specs.filter((s) => s.index % workers.length === i),
            concurrency: CONCURRENCY,
          },
          'started',
          30 * 60_000,
        ),
      ),
    )
    const reserveMs = started.flatMap((s) => s.reserveMs)
    const failed = started.reduce((a, s) => a + s.failed, 0)
    const rampSeconds = (performance.now() - t0) / 1000
    say(
      `${reserveMs.length}/${n} reserved in ${rampSeconds.toFixed(0)} s; holding ${HOLD_MS / 1000} s`,
    )

    const cpu0 = await cpuSeconds(pid)
    await new Promise((r) => setTimeout(r, HOLD_MS))
    const cpu1 = await cpuSeconds(pid)
    const heldRss = await relay.rssMiB()
    const health = await relay.health()

    const mesh = await Promise.all(
      workers.map((w) => w.ask({ cmd: 'subscribe', timeoutMs: 60_000 }, 'meshed', 120_000)),
    )
    const meshed = mesh.reduce((a, m) => a + m.meshed, 0)
    const connected = mesh.reduce((a, m) => a + m.connected, 0)
    // Meshes form in the relay's next heartbeat; GRAFTs still in flight would lose messages
    // that the app's periodic re-announcements recover, so the round starts after two beats.
    await new Promise((r) => setTimeout(r, 2500))
    say(`${meshed} meshed, ${connected} connected; every member publishes once`)
    await Promise.all(workers.map((w) => w.ask({ cmd: 'publish' }, 'published', 10 * 60_000)))
    await new Promise((r) => setTimeout(r, DELIVERY_WAIT_MS))
    const received = await Promise.all(
      workers.map((w) => w.ask({ cmd: 'stop' }, 'received', 60_000)),
    )
    const latencies = received.flatMap((r) => r.latencies)
    const expected = expectedDeliveries(specs.slice(0, n))
    await new Promise((r) => setTimeout(r, 5000))
    const afterRss = await relay.rssMiB()
    const result = {
      members: n,
      coops: new Set(specs.map((s) => s.topic)).size,
      reservations: { ok: reserveMs.length, failed, rate: reserveMs.length / n },
      // From creating the member node to holding its reservation (key generation, dial, noise,
      // yamux, identify, RESERVE), under the load of every other member starting.
      joinMs: { p50: percentile(reserveMs, 50), p95: percentile(reserveMs, 95) },
      rampSeconds: Math.round(rampSeconds),
      relayHeld: { connections: health.connections, reservations: health.reservations },
      membersAtPublish: { meshed, connected },
      discovery: {
        expected,
        delivered: latencies.length,
        rate: latencies.length / expected,
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      },
      relayRssMiB: {
        baseline: Math.round(baselineRss),
        held: Math.round(heldRss),
        peak: Math.round(peakRss),
        afterLeave: Math.round(afterRss),
      },
      relayCpu: {
        heldCoreFraction: (cpu1 - cpu0) / (HOLD_MS / 1000),
        perMemberMilliCore: (1000 * (cpu1 - cpu0)) / (HOLD_MS / 1000) / n,
      },
      relayRssPerMemberKiB: Math.round(((heldRss - baselineRss) * 1024) / n),
    }
    say(JSON.stringify(result))
    // With DEBUG=libp2p:connection-monitor:error,coffer:relay:guards, say why members dropped.
    const log = relay.output()
    const count = (re: RegExp): number => log.split('\n').filter((l) => re.test(l)).length
    say(
      `relay log: ${count(/aborting connection due to ping failure/)} ping aborts, ${count(/no reservation after/)} idle closes`,
    )
    return result
  } finally {
    clearInterval(sampler)
    for (const w of workers) w.kill()
    await relay.stop()
  }
}

const results: Array<Record<string, unknown>> = []
for (const n of STEPS) results.push(await step(n))
const out = join(ROOT, 'test/bench/results')
await mkdir(out, { recursive: true })
await writeFile(
  join(out, 'relay.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version, loadAverage: loadavg() },
      settings: { processes: PROCS, concurrency: CONCURRENCY, holdMs: HOLD_MS },
      steps: results,
    },
    null,
    2,
  )}\n`,
)
say(`wrote test/bench/results/relay.json`)
process.exit(0)
