import { mount } from 'svelte'
import { createBrowserSharePage, isShareFragment } from '../../state/share-page.svelte.ts'
import type { RegisterSW } from '../../state/update-state.svelte.ts'
import EmbedPage from './EmbedPage.svelte'
import SharePage from './SharePage.svelte'

declare global {
  interface Window {
    /** The share page's state, for tests and DevTools (the page a share link opens). */
    cofferShare?: ReturnType<typeof createBrowserSharePage>
  }
}

/**
 * Opens the page of a share link instead of the member app: no co-op is created or joined, no
 * space is pledged; a guest node fetches the file. The service worker is registered as in the
 * app (it streams downloads to disk and keeps the page available offline). `embedded`: the
 * viewer other sites frame (`/embed`), the same state in a compact page.
 */
export function mountSharePage(
  target: HTMLElement,
  registerSW?: RegisterSW,
  { embedded = false }: { embedded?: boolean } = {},
): void {
  const share = createBrowserSharePage(window.location)
  window.cofferShare = share
  mount(embedded ? EmbedPage : SharePage, { target, props: { share } })
  registerSW?.({ immediate: true })
  window.addEventListener('hashchange', () => {
    // Another link, or the app itself: start over with what the address now says.
    if (!isShareFragment(window.location.hash) || window.location.hash !== share.hash) {
      window.location.reload()
    }
  })
  window.addEventListener('pagehide', () => void share.stop())
  void share.start()
}
