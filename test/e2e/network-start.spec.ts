import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { test, expect, peerIdOf, peersOf, waitForDirectPeers } from './fixtures.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')

// `npm start` as a user runs it: build, relay on 127.0.0.1, the printed URL opened in two
// windows of one browser profile (they share IndexedDB, yet must be two peers).
test('npm start: two windows of one browser connect to each other directly', async ({
  browser,
}) => {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    let out = ''
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no URL printed:\n${out}`)), 120_000)
      const onData = (d: Buffer): void => {
        out += d.toString()
        const m = /Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
        if (m?.[1] !== undefined) {
          clearTimeout(timer)
          res(m[1])
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.on('exit', (code) => rej(new Error(`npm start exited with ${code}:\n${out}`)))
    })

    const context = await browser.newContext()
    const first = await context.newPage()
    await first.goto(url)
    const second = await context.newPage()
    await second.goto(url)
    const [a, b] = [await peerIdOf(first), await peerIdOf(second)]
    expect(a).not.toBe(b)
    await waitForDirectPeers(first, 1)
    await waitForDirectPeers(second, 1)
    expect((await peersOf(first)).map((p) => p.peerId)).toEqual([b])
    expect((await peersOf(second)).map((p) => p.peerId)).toEqual([a])
    await context.close()
  } finally {
    const exited = new Promise((res) => child.once('exit', res))
    child.kill('SIGTERM')
    await exited
  }
})
