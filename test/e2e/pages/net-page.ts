// The network layer alone, as the app drives it: join from `#/join/…` or create a co-op from
// the relay's /config.json, start the node, expose it as window.coffer.node for the tests.
import { createCofferNode, createCoop, formatInvite, parseInvite } from '../../../src/net/index.ts'
import type { RunningCofferNode } from '../../../src/net/index.ts'

declare global {
  interface Window {
    cofferTest?: { node?: RunningCofferNode; error?: string }
  }
}

const statusEl = document.getElementById('status')

async function main(): Promise<void> {
  let coop
  if (location.hash.startsWith('#/join/')) {
    coop = parseInvite(location.hash)
  } else {
    const config = (await (await fetch('/config.json')).json()) as { relays: string[] }
    coop = createCoop({ relays: config.relays, name: 'Test co-op' })
    // Keep the co-op in the URL so a reload rejoins it.
    history.replaceState(null, '', formatInvite(coop, location.origin))
  }
  const node = await createCofferNode({ coop })
  ;(window as unknown as { coffer: { node: RunningCofferNode } }).coffer = { node }
  const show = (): void => {
    if (statusEl) statusEl.textContent = `${node.status} ${node.peers().length}`
  }
  node.addEventListener('change', show)
  show()
}

main().catch((err: unknown) => {
  if (statusEl) statusEl.textContent = `error: ${String(err)}`
  window.cofferTest = { error: String(err) }
})
