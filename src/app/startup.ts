import { AppState, type AppDeps } from '../state/app-state.svelte.ts'
import { fetchConfig } from '../net/config/relay-config.ts'
import { loadCoop, saveCoop } from './coop-store.ts'
import { uploadWorkerPool } from '../engine/codec.ts'
import { filesDepsFromNode, isRunningNode } from './files-deps.ts'
import { createCofferNode, createCoop, formatInvite, parseInvite } from '../net/index.ts'

/** Builds the AppState the page runs with: real network, real storage, this page's URL. */
export function createBrowserAppState(location: Location): AppState {
  const deps: AppDeps = {
    fetchConfig: (options) => fetchConfig(new URL('config.json', location.href).href, options),
    loadCoop: () => loadCoop(),
    saveCoop: (coop) => saveCoop(coop),
    createCoop,
    parseInvite,
    formatInvite,
    createNode: (coop, options) => createCofferNode({ coop, codec: uploadWorkerPool }, options),
    // Absent outside secure contexts even though the DOM types say otherwise.
    storage: 'storage' in navigator ? navigator.storage : undefined,
    onLine: navigator.onLine,
    baseUrl: `${location.origin}${location.pathname}`,
    version: String(import.meta.env.VITE_APP_VERSION ?? 'dev'),
    filesDeps: (node) => (isRunningNode(node) ? filesDepsFromNode(node) : undefined),
  }
  return new AppState(deps, location.hash)
}
