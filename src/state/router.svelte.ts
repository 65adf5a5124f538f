/**
 * Views reachable from the navigation. Issue 4 adds 'files' (and share-link routes such as
 * '#/s/…', which open without the shell); keep '#/join/…' reserved for invites.
 */
export const VIEWS = ['files', 'peers', 'device'] as const
export type View = (typeof VIEWS)[number]

export const DEFAULT_VIEW: View = 'peers'

export function viewFromHash(hash: string): View {
  const name = hash.replace(/^#\/?/, '').split('/')[0]
  return (VIEWS as readonly string[]).includes(name ?? '') ? (name as View) : DEFAULT_VIEW
}

/** Hash-based routing: works from any static host and from the service worker's cache. */
export class RouterState {
  #view = $state<View>(DEFAULT_VIEW)

  constructor(hash = '') {
    this.#view = viewFromHash(hash)
  }

  get view(): View {
    return this.#view
  }

  /** Follows the address bar (back/forward, links). */
  sync(hash: string): void {
    this.#view = viewFromHash(hash)
  }

  href(view: View): string {
    return `#/${view}`
  }
}
