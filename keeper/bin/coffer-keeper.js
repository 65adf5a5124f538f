#!/usr/bin/env node
// Runs the TypeScript keeper on Node 20 without a build step: tsx compiles on load.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../main.ts')
try {
  await main(process.argv.slice(2), process.env)
} catch (err) {
  console.error(`coffer-keeper: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
