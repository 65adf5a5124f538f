#!/usr/bin/env node
// `npm start`: build the app, run a relay on 127.0.0.1 that serves it and its /config.json,
// and print the URL. Zero flags: open the URL in two windows and the two peers connect.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { register } from 'tsx/esm/api'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const port = Number(process.env.PORT ?? 8080)

console.log('Building the app…')
/** @type {number | null} */
const code = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
  child.on('exit', resolve)
})
if (code !== 0) {
  console.error(`npm start: the build failed (exit code ${code})`)
  process.exit(1)
}

register()
const { parseConfig } = await import('../relay/config.ts')
const { startRelay } = await import('../relay/relay.ts')

const parsed = parseConfig(
  [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    join(root, '.relay-data'),
    '--app',
    join(root, 'dist'),
    // Every window is on this machine, where host candidates connect them: no STUN port to
    // contend for with a local coturn or another relay.
    '--stun-port',
    '0',
  ],
  {},
  root,
)
if (parsed.help) process.exit(0)
let relay
try {
  relay = await startRelay(parsed.config)
} catch (err) {
  if (/** @type {NodeJS.ErrnoException} */ (err).code === 'EADDRINUSE') {
    console.error(`npm start: port ${port} is in use; run with PORT=<another port> npm start`)
    process.exit(1)
  }
  throw err
}

console.log(`
Coffer is running.

  Open ${relay.url}/ in two browser windows (or on two devices' browsers pointed at this
  machine) — the two peers find each other through the relay and connect directly.

  Relay ${relay.peerId}
${relay.multiaddrs.map((a) => `    ${a}`).join('\n')}
  Health: ${relay.url}/health

Press Ctrl+C to stop.`)

const stop = () => {
  relay.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
