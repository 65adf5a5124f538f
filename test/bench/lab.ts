// A network lab for bench:e2e: every peer runs its own Chromium in its own Linux network
// namespace, joined to the others by a bridge, so that each member can be given an uplink of
// its own (a token bucket on its side of the link), as members on separate home connections
// have. On one machine all peers otherwise share one loopback with no limit but the CPU, which
// hides what spreading shards over many members' uplinks buys. A second shape also limits each
// path between two peers, below the uplink, as a slower line at the far end or a long route does.
//
// Needs root (CAP_NET_ADMIN) and the `ip` and `tc` tools; `openLab` says why when it cannot.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'

export interface Lab {
  /** Address of the machine on the bridge: the relay and the page server listen here. */
  hostIp: string
  /** An executable that starts Chromium inside `name`'s namespace (for playwright's launch). */
  browserFor(name: string): string
  /**
   * Makes `hostIp:port` reachable as 127.0.0.1:port inside every namespace. The app dials its
   * relay over plain ws:// only on localhost (src/net/gater.ts), and a page on localhost is a
   * secure context, as on a member's machine.
   */
  forward(ports: number[]): Promise<void>
  /** Shapes what leaves every peer (see `LinkShape`), or lifts the shaping (undefined). */
  limitUplinks(shape: LinkShape | undefined): void
  /** Removes the namespaces, links and scripts (also done at process exit). */
  close(): void
}

/** What every peer's own side of its link does to the packets it sends. */
export interface LinkShape {
  /** Upload rate, Mbit/s: everything the peer sends, to anyone. */
  mbit: number
  /**
   * Rate of each path from the peer to one other peer, Mbit/s (at most `mbit`): one connection
   * is then limited by its path (a slower line at the far end, a long or lossy route) while the
   * peer's own uplink has room for several.
   */
  pathMbit?: number
}

const SUBNET = '10.77.0'

/** A TCP relay of 127.0.0.1:port to host:port for each port; prints "ready" once listening. */
const FORWARDER = `
const net = require('node:net')
const [host, ...ports] = process.argv.slice(1)
let pending = ports.length
for (const port of ports.map(Number)) {
  net.createServer((a) => {
    const b = net.connect(port, host)
    a.pipe(b).pipe(a)
    a.on('error', () => b.destroy())
    b.on('error', () => a.destroy())
  }).listen(port, '127.0.0.1', () => { if (--pending === 0) console.log('ready') })
}
`

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Runs `tc` in namespace `ns`; `command` is its arguments, separated by spaces. */
function tc(ns: string, command: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'tc', ...command.split(' ')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
}

/**
 * Builds the lab for `names` (at most 200 peers), or gives the reason it cannot be built
 * (not root, no namespaces or veth support, an `ip` or `tc` error).
 */
export function openLab(names: string[], browserPath: string): Lab | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: 'needs root for network namespaces' }
  // Short, unique per run: interface names are limited to 15 characters.
  const tag = `cf${process.pid % 100_000}`
  const bridge = `${tag}b`
  const spaces = names.map((name, i) => ({ name, ns: `${tag}n${i}`, inner: `${tag}p${i}` }))
  const scripts = mkdtempSync(join(os.tmpdir(), 'coffer-bench-lab-'))
  const forwarders: ChildProcess[] = []
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    for (const f of forwarders) f.kill()
    spaces.forEach((s, i) => {
      for (const args of [
        ['link', 'del', `${tag}h${i}`],
        ['netns', 'del', s.ns],
      ]) {
        try {
          ip(...args)
        } catch {
          // never created, or gone with its pair
        }
      }
    })
    try {
      ip('link', 'del', bridge)
    } catch {
      // never created
    }
    rmSync(scripts, { recursive: true, force: true })
  }
  process.once('exit', close)
  try {
    ip('link', 'add', bridge, 'type', 'bridge')
    ip('addr', 'add', `${SUBNET}.1/24`, 'dev', bridge)
    ip('link', 'set', bridge, 'up')
    spaces.forEach((s, i) => {
      const outer = `${tag}h${i}`
      ip('netns', 'add', s.ns)
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', s.inner)
      ip('link', 'set', outer, 'master', bridge, 'up')
      ip('link', 'set', s.inner, 'netns', s.ns)
      ip('-n', s.ns, 'addr', 'add', `${SUBNET}.${10 + i}/24`, 'dev', s.inner)
      ip('-n', s.ns, 'link', 'set', s.inner, 'up')
      ip('-n', s.ns, 'link', 'set', 'lo', 'up')
      ip('-n', s.ns, 'route', 'add', 'default', 'via', `${SUBNET}.1`)
      const script = join(scripts, `${s.name}.sh`)
      writeFileSync(script, `#!/bin/sh\nexec ip netns exec ${s.ns} ${browserPath} "$@"\n`)
      chmodSync(script, 0o755)
    })
  } catch (err) {
    close()
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim()
    return { unavailable: `network namespaces: ${detail || String(err)}` }
  }
  return {
    hostIp: `${SUBNET}.1`,
    async forward(ports) {
      await Promise.all(
        spaces.map(
          (s) =>
            new Promise<void>((resolve, reject) => {
              const f = spawn(
                'ip',
                [
                  'netns',
                  'exec',
                  s.ns,
                  process.execPath,
                  '-e',
                  FORWARDER,
                  `${SUBNET}.1`,
                  ...ports.map(String),
                ],
                { stdio: ['ignore', 'pipe', 'inherit'] },
              )
              forwarders.push(f)
              f.once('error', reject)
              f.once('exit', (code) => reject(new Error(`forwarder in ${s.ns} exited (${code})`)))
              f.stdout.once('data', () => resolve())
            }),
        ),
      )
    },
    browserFor(name) {
      if (!spaces.some((s) => s.name === name)) throw new Error(`no lab peer ${name}`)
      return join(scripts, `${name}.sh`)
    },
    limitUplinks(shape) {
      spaces.forEach((s, i) => {
        const dev = `dev ${s.inner}`
        if (shape === undefined) {
          try {
            tc(s.ns, `qdisc del ${dev} root`)
          } catch {
            // no shaping to lift
          }
          return
        }
        // Queues hold 100 ms at their rate, like a home router's; beyond it packets drop.
        const { mbit, pathMbit } = shape
        if (pathMbit === undefined) {
          // A token bucket on the peer's own side of its link: what leaves the peer, to anyone.
          tc(s.ns, `qdisc replace ${dev} root tbf rate ${mbit}mbit burst 32kb latency 100ms`)
          return
        }
        // This kernel has no netem to add delay or loss, so a path's limit is a rate: one htb
        // class per other peer (chosen by destination address) under one class for the uplink.
        tc(s.ns, `qdisc replace ${dev} root handle 1: htb default 2`)
        tc(s.ns, `class add ${dev} parent 1: classid 1:1 htb rate ${mbit}mbit`)
        const leaf = (id: number, ceil: number): void => {
          const rate = Math.min(ceil, mbit / spaces.length).toFixed(2)
          tc(
            s.ns,
            `class add ${dev} parent 1:1 classid 1:${id} htb rate ${rate}mbit ceil ${ceil}mbit`,
          )
          const packets = Math.max(10, Math.ceil((ceil * 1e6) / 8 / 1500 / 10))
          tc(s.ns, `qdisc add ${dev} parent 1:${id} pfifo limit ${packets}`)
        }
        // Everything not sent to another peer (the relay, the page server): the uplink alone.
        leaf(2, mbit)
        spaces.forEach((_, j) => {
          if (j === i) return
          leaf(10 + j, Math.min(pathMbit, mbit))
          const match = `u32 match ip dst ${SUBNET}.${10 + j}/32 flowid 1:${10 + j}`
          tc(s.ns, `filter add ${dev} parent 1: protocol ip prio 1 ${match}`)
        })
      })
    },
    close,
  }
}
