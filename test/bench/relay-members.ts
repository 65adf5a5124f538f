// A child process of `npm run bench:relay`: runs its share of member peers against the relay,
// and answers the parent's commands over IPC (start, subscribe, publish, stop).
import '../../src/core/polyfills.ts'
import { toString as u8ToString, fromString as u8FromString } from 'uint8arrays'
import { reserved, startMember, type Member } from '../relay/member.ts'

export interface MemberSpec {
  index: number
  topic: string
  localAddress: string
}

export type Command =
  | { cmd: 'start'; relay: string; members: MemberSpec[]; concurrency: number }
  | { cmd: 'subscribe'; timeoutMs: number }
  | { cmd: 'publish' }
  | { cmd: 'stop' }

export type Report =
  | { kind: 'started'; reserveMs: number[]; failed: number }
  | { kind: 'meshed'; meshed: number; connected: number; total: number }
  | { kind: 'published' }
  | { kind: 'received'; latencies: number[] }
  | { kind: 'stopped' }

const members: Array<{ spec: MemberSpec; node: Member }> = []
const latencies: number[] = []
const send = (r: Report): void => {
  process.send?.(r)
}

async function start(relay: string, specs: MemberSpec[], concurrency: number): Promise<void> {
  const reserveMs: number[] = []
  let failed = 0
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++]
      if (spec === undefined) return
      const t0 = performance.now()
      try {
        const node = await startMember(relay, { localAddress: spec.localAddress })
        await reserved(node, 60_000)
        reserveMs.push(performance.now() - t0)
        members.push({ spec, node })
      } catch {
        // Counted as a failed reservation in the report; the bench goes on with the rest.
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  send({ kind: 'started', reserveMs, failed })
}

async function subscribe(timeoutMs: number): Promise<void> {
  const meshed = new Set<number>()
  await new Promise<void>((resolve) => {
    // Bounded: a member that never meshes is reported, not waited for.
    setTimeout(resolve, timeoutMs)
    for (const { spec, node } of members) {
      node.services.pubsub.addEventListener('gossipsub:graft', (evt) => {
        if (evt.detail.topic !== spec.topic) return
        meshed.add(spec.index)
        if (meshed.size === members.length) resolve()
      })
      node.services.pubsub.addEventListener('message', (evt) => {
        if (evt.detail.topic !== spec.topic) return
        const [kind, sent] = u8ToString(evt.detail.data).split(' ')
        if (kind === 'bench') latencies.push(Date.now() - Number(sent))
      })
      node.services.pubsub.subscribe(spec.topic)
    }
    if (members.length === 0) resolve()
  })
  const connected = members.filter(({ node }) => node.getConnections().length > 0).length
  send({ kind: 'meshed', meshed: meshed.size, connected, total: members.length })
}

async function publish(): Promise<void> {
  await Promise.all(
    members.map(async ({ spec, node }) =>
      node.services.pubsub.publish(spec.topic, u8FromString(`bench ${Date.now()} ${spec.index}`)),
    ),
  )
  send({ kind: 'published' })
}

process.on('message', (m: Command) => {
  const run = async (): Promise<void> => {
    if (m.cmd === 'start') await start(m.relay, m.members, m.concurrency)
    else if (m.cmd === 'subscribe') await subscribe(m.timeoutMs)
    else if (m.cmd === 'publish') await publish()
    else if (m.cmd === 'stop') {
      send({ kind: 'received', latencies })
      await Promise.all(members.map(async ({ node }) => node.stop()))
      send({ kind: 'stopped' })
      process.exit(0)
    }
  }
  run().catch((err: unknown) => {
    process.stderr.write(`bench member process: ${String(err)}\n`)
    process.exit(1)
  })
})
