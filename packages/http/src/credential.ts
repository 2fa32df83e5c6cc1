import { timingSafeEqual } from 'node:crypto'

/**
 * A check of a presented secret against the configured one that takes the
 * same time whatever was presented: both are hashed first, so neither the
 * secret's contents nor its length shows in the timing. The configured
 * secret's digest is made once.
 *
 * @example
 * const isServiceToken = credentialCheck(env.SERVICE_TOKEN)
 * isServiceToken(bearerToken(request.headers.get('authorization'))) // true or false
 */
export function credentialCheck(expected: string): (presented: string | null) => boolean {
  const expectedDigest = digest(expected)
  return (presented) => presented !== null && timingSafeEqual(digest(presented), expectedDigest)
}

function digest(value: string): Buffer {
  return new Bun.CryptoHasher('sha256').update(value).digest()
}
