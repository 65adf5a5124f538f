import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { loadPeerKey, savePeerKeyIfAbsent } from '../storage/peer-key.ts'

const MAX_SLOTS = 32

export interface IdentitySlot {
  /** 0 for the first tab of this browser profile, 1 for the second open at once, … */
  slot: number
  privateKey: PrivateKey
  /** Lets another tab take this slot (and its peer ID). */
  release(): void
}

/**
 * Every open tab is its own peer, yet a reload must keep the peer ID. Tabs of one browser
 * profile share IndexedDB, so each takes the lowest free slot under a Web Lock and keeps
 * that slot's key: a lone tab (or its reload) is always slot 0, a second window gets slot 1.
 */
export async function acquireIdentity(
  options: { dbName?: string; signal?: AbortSignal } = {},
): Promise<IdentitySlot> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    options.signal?.throwIfAborted()
    let release = (): void => {}
    if (locks !== undefined) {
      const held = await tryLock(locks, `coffer-identity-${options.dbName ?? 'coffer'}-${slot}`)
      if (held === undefined) continue
      release = held
    }
    try {
      const privateKey = await loadOrCreate(slot, options.dbName)
      return { slot, privateKey, release }
    } catch (err) {
      release()
      throw err
    }
  }
  throw new Error('too many Coffer tabs open in this browser')
}

async function loadOrCreate(slot: number, dbName?: string): Promise<PrivateKey> {
  const stored = await loadPeerKey(slot, dbName)
  if (stored !== undefined) return privateKeyFromProtobuf(stored)
  const fresh = privateKeyToProtobuf(await generateKeyPair('Ed25519'))
  return privateKeyFromProtobuf(await savePeerKeyIfAbsent(slot, fresh, dbName))
}

/** Holds the named lock until the returned function is called; undefined when taken. */
function tryLock(locks: LockManager, name: string): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined)
          return
        }
        return new Promise<void>((unlock) => resolve(() => unlock()))
      })
      .catch(reject)
  })
}
