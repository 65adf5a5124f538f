import { AppState, type AppDeps } from '../state/app-state.svelte.ts'
import { fetchConfig } from '../net/config/relay-config.ts'
import { loadCoop, saveCoop } from './coop-store.ts'
import { uploadWorkerPool } from '../engine/codec.ts'
import { filesDepsFromNode, isRunningNode } from './files-deps.ts'
import { createCofferNode, createCoop, formatInvite, parseInvite } from '../net/index.ts'
import { keepKeepersConnected } from '../engine/connect/keep-keepers.ts'
import { logger } from '@libp2p/logger'

const log = logger('coffer:app:startup')

/** Builds the AppState the page runs with: real network, real storage, this page's URL. */
export function createBrowserAppState(location: Location): AppState {
  const configUrl = new URL('config.json', location.href).href
  /** The serving pod's keepers, once the node has asked; share links leave them out. */
  let keepers: string[] = []
  const deps: AppDeps = {
    fetchConfig: (options) => fetchConfig(configUrl, options),
    loadCoop: () => loadCoop(),
    saveCoop: (coop) => saveCoop(coop),
    createCoop,
    parseInvite,
    formatInvite,
    createNode: async (coop, options) => {
      // The serving pod's keepers: named for the gater, then dialled over WebSockets.
      const config = await fetchConfig(configUrl, options).catch((err: unknown) => {
        log('starting without keepers: %s', err)
        return undefined
      })
      keepers = config?.keepers ?? []
      const node = await createCofferNode({ coop, codec: uploadWorkerPool, keepers }, options)
      keepKeepersConnected(node.libp2p, keepers)
      return node
    },
    // Absent outside secure contexts even though the DOM types say otherwise.
    storage: 'storage' in navigator ? navigator.storage : undefined,
    onLine: navigator.onLine,
    baseUrl: `${location.origin}${location.pathname}`,
    version: String(import.meta.env.VITE_APP_VERSION ?? 'dev'),
    filesDeps: (node) => (isRunningNode(node) ? filesDepsFromNode(node, keepers) : undefined),
  }
  return new AppState(deps, location.hash)
}
