/// <reference types="vite-plugin-pwa/vanillajs" />
import { mount } from 'svelte'
import { registerSW } from 'virtual:pwa-register'
import { INVITE_PREFIX, type AppState } from './state/app-state.svelte.ts'
import { createBrowserAppState } from './app/startup.ts'
import { isShareFragment } from './state/share-page.svelte.ts'
import { EMBED_PATH } from './core/security-headers.ts'
import App from './ui/App.svelte'
import { mountSharePage } from './ui/share/mount-share.ts'
import './ui/app.css'

declare global {
  interface Window {
    /**
     * Handles for tests and for curious members in DevTools: the running app state and its
     * libp2p node. Exposes nothing a page script could not already reach.
     */
    coffer: { state: AppState; readonly node: AppState['node']['node'] }
  }
}

const target = document.getElementById('app')
if (!target) throw new Error('missing #app')

// The embeddable viewer only ever shows a shared file, whatever its fragment says: a page that
// frames it can never drive the member app (docs/ARCHITECTURE.md, Embedding).
const embedded = window.location.pathname === `${import.meta.env.BASE_URL}${EMBED_PATH}`
// A share link opens the file's page for anyone: no co-op, no member node (src/ui/share/).
if (embedded || isShareFragment(window.location.hash)) {
  mountSharePage(target, registerSW, { embedded })
} else startApp(target)

function startApp(target: HTMLElement): void {
  const state = createBrowserAppState(window.location)
  window.coffer = {
    state,
    get node() {
      return state.node.node
    },
  }

  const startHash = window.location.hash
  if (startHash.startsWith(INVITE_PREFIX)) {
    // The invite is consumed; keep it out of history so a reload does not re-join.
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/peers`)
  }

  window.addEventListener('hashchange', () => {
    // A share link followed from inside the app opens the share page.
    if (isShareFragment(window.location.hash)) window.location.reload()
    else state.router.sync(window.location.hash)
  })
  window.addEventListener('online', () => {
    state.node.setBrowserOnline(true)
    void state.retry()
  })
  window.addEventListener('offline', () => state.node.setBrowserOnline(false))

  state.update.register(registerSW)
  // Browsers look for a new service worker on navigation; an app left open for days also
  // needs to ask now and then.
  setInterval(() => void state.update.check().catch(() => undefined), 60 * 60 * 1000)
  void state.start(startHash)

  mount(App, { target, props: { app: state } })
}
