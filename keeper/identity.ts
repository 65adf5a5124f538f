import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { writeFileAtomic } from '../src/storage/disk/index.ts'
import { PEER_KEY_FILE } from './constants.ts'

/**
 * The keeper's key, made on first start: its peer ID names it in every receipt it signed and
 * in the relay's keeper list, so it must not change across restarts.
 */
export async function keeperIdentity(dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, PEER_KEY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const key = await generateKeyPair('Ed25519')
  const tmp = join(dataDir, 'tmp')
  await mkdir(tmp, { recursive: true, mode: 0o700 })
  await writeFileAtomic(file, privateKeyToProtobuf(key), tmp)
  return key
}
