import type { Coop } from '../net/types.ts'

/** Turns a co-op into the link a member sends to invite someone (net's invite format). */
export type FormatInvite = (coop: Coop, baseUrl: string) => string

/** The co-op this device belongs to, and the invite link that brings others in. */
export class CoopState {
  #coop = $state.raw<Coop | undefined>()
  #formatInvite: FormatInvite
  #baseUrl: string

  constructor(formatInvite: FormatInvite, baseUrl: string) {
    this.#formatInvite = formatInvite
    this.#baseUrl = baseUrl
  }

  get coop(): Coop | undefined {
    return this.#coop
  }

  get name(): string | undefined {
    return this.#coop?.name
  }

  get inviteLink(): string | undefined {
    return this.#coop ? this.#formatInvite(this.#coop, this.#baseUrl) : undefined
  }

  set(coop: Coop): void {
    this.#coop = coop
  }
}
