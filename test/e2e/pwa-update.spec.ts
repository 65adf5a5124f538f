/**
 * A new deployment reaches an open tab: two real builds of the app (told apart by
 * VITE_BUILD_ID) are served one after the other from the same relay origin, the way an
 * operator replaces the files behind a running relay.
 */
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test, expect, startRelayProcess } from './fixtures.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')

function build(outDir: string, buildId: string): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir],
      {
        cwd: ROOT,
        env: { ...process.env, VITE_BUILD_ID: buildId },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', rej)
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`build failed:\n${out}`))))
  })
}

/** Replaces the served files in place, as a deployment does. */
async function deploy(from: string, live: string): Promise<void> {
  for (const entry of await readdir(live)) await rm(join(live, entry), { recursive: true })
  await cp(from, live, { recursive: true })
}

test('when a new version is deployed, the app offers it and Reload switches to it', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const work = await mkdtemp(join(tmpdir(), 'coffer-update-'))
  const first = join(work, 'first')
  const second = join(work, 'second')
  const live = join(work, 'live')
  await build(first, 'first')
  await build(second, 'second')
  await cp(first, live, { recursive: true })
  const relay = await startRelayProcess({ appDir: live })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${relay.url}/#/device`)
    await expect(page.getByTestId('app-version')).toHaveText(/\+first$/)
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
    })
    // A first visit is not controlled by the worker it installed; the next load is.
    await page.reload()
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    await expect(page.getByTestId('update-banner')).toHaveCount(0)

    await deploy(second, live)
    await page.evaluate(async () => {
      const w = window as unknown as { coffer: { state: { update: { check(): Promise<void> } } } }
      await w.coffer.state.update.check()
    })

    const banner = page.getByTestId('update-banner')
    await expect(banner).toHaveText('A new version is available — Reload')
    // The running page is still the old version until the member chooses.
    await expect(page.getByTestId('app-version')).toHaveText(/\+first$/)

    await banner.getByRole('button', { name: 'Reload' }).click()
    await expect(page.getByTestId('app-version')).toHaveText(/\+second$/)
    await expect(page.getByTestId('update-banner')).toHaveCount(0)
  } finally {
    await context.close()
    await relay.stop()
    await rm(relay.dataDir, { recursive: true, force: true })
    await rm(work, { recursive: true, force: true })
  }
})
