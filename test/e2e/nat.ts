/**
 * A small internet made of network namespaces for the NAT test: a "public" segment
 * (198.18.0.0/24, a benchmarking range no real host uses) with the co-op's pod, and two
 * homes (10.1.0.0/24, 10.2.0.0/24), each behind a NAT router that drops unsolicited inbound
 * traffic. Names are unique per run and everything is removed by `destroy()`, so a crashed
 * run never blocks the next one.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from '@playwright/test'
import { CHROMIUM_ARGS } from '../../playwright.config.ts'

export const POD_IP = '198.18.0.1'

/**
 * `port-preserving`: plain MASQUERADE, one mapping per inside address and port whatever the
 * destination (STUN is enough). `symmetric`: MASQUERADE --random-fully, a new random port
 * per destination (only TURN gets through).
 */
export type NatKind = 'port-preserving' | 'symmetric'

export interface Home {
  /** Namespace of the member's device. */
  ns: string
  /** Its address inside the home. */
  ip: string
}

export interface NatNetwork {
  /** Namespace of the pod: the relay (with STUN) and coturn run here, on POD_IP. */
  pod: string
  homes: [Home, Home]
  /** Chromium inside a home's namespace, treating the pod's http origin as secure. */
  launchBrowser(home: Home, origin: string): Promise<Browser>
  destroy(): Promise<void>
}

function sh(args: string[]): void {
  execFileSync(args[0] ?? 'false', args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Builds the namespaces; on any failure removes what was made and rethrows. */
export async function createNatNetwork(kind: NatKind): Promise<NatNetwork> {
  const id = randomBytes(3).toString('hex')
  const pod = `cf${id}-pod`
  const names = [pod]
  const dir = await mkdtemp(join(tmpdir(), 'coffer-nat-'))
  const browsers: Browser[] = []
  const destroy = async (): Promise<void> => {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})))
    for (const ns of names) {
      // Leftover processes hold a namespace open: end them before removing it.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
        for (const pid of pids.split('\n').filter((p) => p !== '')) {
          try {
            process.kill(Number(pid), 'SIGKILL')
          } catch {
            // already gone
          }
        }
      } catch {
        // the namespace was never made
      }
      try {
        sh(['ip', 'netns', 'del', ns])
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const ns = (name: string): string => {
      sh(['ip', 'netns', 'add', name])
      names.push(name)
      sh(['ip', '-n', name, 'link', 'set', 'lo', 'up'])
      return name
    }
    sh(['ip', 'netns', 'add', pod])
    sh(['ip', '-n', pod, 'link', 'set', 'lo', 'up'])
    sh(['ip', '-n', pod, 'link', 'add', 'br0', 'type', 'bridge'])
    sh(['ip', '-n', pod, 'addr', 'add', `${POD_IP}/24`, 'dev', 'br0'])
    sh(['ip', '-n', pod, 'link', 'set', 'br0', 'up'])
    // A public host has a default route: without one, coturn's sends towards a member's
    // private host candidate fail with ENETUNREACH, which coturn does not shrug off.
    sh(['ip', '-n', pod, 'route', 'add', 'default', 'dev', 'br0'])
    const homes: Home[] = []
    for (const [i, side] of ['a', 'b'].entries()) {
      const router = ns(`cf${id}-nat${side}`)
      const home = ns(`cf${id}-home${side}`)
      const wan = `198.18.0.${11 + i}`
      const lan = `10.${i + 1}.0`
      sh([
        'ip',
        'link',
        'add',
        'wan',
        'netns',
        router,
        'type',
        'veth',
        'peer',
        'name',
        `to-${side}`,
        'netns',
        pod,
      ])
      sh(['ip', '-n', pod, 'link', 'set', `to-${side}`, 'master', 'br0', 'up'])
      sh(['ip', '-n', router, 'addr', 'add', `${wan}/24`, 'dev', 'wan'])
      sh(['ip', '-n', router, 'link', 'set', 'wan', 'up'])
      sh([
        'ip',
        'link',
        'add',
        'lan',
        'netns',
        router,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        home,
      ])
      sh(['ip', '-n', router, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan'])
      sh(['ip', '-n', router, 'link', 'set', 'lan', 'up'])
      sh(['ip', '-n', home, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0'])
      sh(['ip', '-n', home, 'link', 'set', 'eth0', 'up'])
      sh(['ip', '-n', home, 'route', 'add', 'default', 'via', `${lan}.1`])
      const inRouter = ['ip', 'netns', 'exec', router]
      sh([...inRouter, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
      const masq = ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE']
      sh([...inRouter, 'iptables', ...masq, ...(kind === 'symmetric' ? ['--random-fully'] : [])])
      // Inbound only as the answer to something sent out: a home router's firewall. Dropped
      // in INPUT too, so an early probe from the other member leaves no conntrack entry (nor
      // an ICMP error) that would make the router pick another port for its answer.
      const established = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']
      for (const chain of ['FORWARD', 'INPUT']) {
        sh([...inRouter, 'iptables', '-A', chain, '-i', 'wan', ...established])
        sh([...inRouter, 'iptables', '-A', chain, '-i', 'wan', '-j', 'DROP'])
      }
      homes.push({ ns: home, ip: `${lan}.2` })
    }
    const [a, b] = homes
    if (a === undefined || b === undefined) throw new Error('two homes expected')
    return {
      pod,
      homes: [a, b],
      async launchBrowser(home, origin) {
        // Playwright talks to Chromium over a pipe, which `ip netns exec` passes through.
        const wrapper = join(dir, `chromium-${home.ns}`)
        await writeFile(
          wrapper,
          `#!/bin/sh\nexec ip netns exec ${home.ns} /usr/bin/chromium "$@"\n`,
        )
        await chmod(wrapper, 0o755)
        const browser = await chromium.launch({
          executablePath: wrapper,
          args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
        })
        browsers.push(browser)
        return browser
      },
      destroy,
    }
  } catch (err) {
    await destroy()
    throw err
  }
}
