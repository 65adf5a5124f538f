import { createHmac, randomBytes } from 'node:crypto'

export interface TurnCredential {
  /** `<expiry unix seconds>:<random id>`: coturn reads the expiry from it (use-auth-secret). */
  username: string
  /** base64(HMAC-SHA1(secret, username)), as coturn computes it from the same secret. */
  credential: string
  /** Unix seconds after which coturn refuses the credential. */
  expires: number
}

/**
 * A TURN credential in the "TURN REST API" scheme that coturn checks with
 * `use-auth-secret` and `static-auth-secret`: nothing is stored or shared with coturn but the
 * secret, and a leaked credential stops working at its expiry.
 */
export function turnCredential(
  secret: string,
  ttlSeconds: number,
  now = Date.now(),
  id = randomBytes(8).toString('hex'),
): TurnCredential {
  const expires = Math.floor(now / 1000) + ttlSeconds
  const username = `${expires}:${id}`
  const credential = createHmac('sha1', secret).update(username).digest('base64')
  return { username, credential, expires }
}
