/** Options of vite-plugin-pwa's `registerSW` that this class uses. */
export interface RegisterOptions {
  immediate?: boolean
  onNeedRefresh?: () => void
  onOfflineReady?: () => void
  onRegisteredSW?: (swUrl: string, registration: ServiceWorkerRegistration | undefined) => void
  onRegisterError?: (error: unknown) => void
}

/** `registerSW` from `virtual:pwa-register`, injected so the class runs without the plugin. */
export type RegisterSW = (options: RegisterOptions) => (reloadPage?: boolean) => Promise<void>

/**
 * Service-worker updates. A new deployment installs in the background and waits; the member
 * decides when to reload, so nothing running is interrupted by surprise.
 */
export class UpdateState {
  #needRefresh = $state(false)
  #offlineReady = $state(false)
  #registered = $state(false)
  #error = $state<string | undefined>()
  #registration: ServiceWorkerRegistration | undefined
  #updateSW: ((reloadPage?: boolean) => Promise<void>) | undefined

  get needRefresh(): boolean {
    return this.#needRefresh
  }

  /** The app shell is cached: a reload without network still opens Coffer. */
  get offlineReady(): boolean {
    return this.#offlineReady
  }

  get registered(): boolean {
    return this.#registered
  }

  get error(): string | undefined {
    return this.#error
  }

  register(registerSW: RegisterSW): void {
    this.#updateSW = registerSW({
      immediate: true,
      onNeedRefresh: () => {
        this.#needRefresh = true
      },
      onOfflineReady: () => {
        this.#offlineReady = true
      },
      onRegisteredSW: (_url, registration) => {
        this.#registration = registration
        this.#registered = true
      },
      onRegisterError: (error) => {
        this.#error = error instanceof Error ? error.message : String(error)
      },
    })
  }

  /** Asks the server for a newer service worker now (browsers otherwise check on navigation). */
  async check(): Promise<void> {
    await this.#registration?.update()
  }

  /** Activates the waiting version and reloads the page into it. */
  async reload(): Promise<void> {
    await this.#updateSW?.(true)
  }

  dismiss(): void {
    this.#needRefresh = false
  }
}
