import { timingSafeEqual } from 'node:crypto'

/** The header another app sends its service credential in. */
export const SERVICE_TOKEN_HEADER = 'x-service-token'

/**
 * Checks a presented service credential against the configured one in
 * constant time: both are hashed first, so neither their contents nor their
 * lengths show in the timing. No configured credential refuses everything.
 *
 * @example
 * const check = serviceCredential(env.SERVICE_TOKEN)
 * check(request.headers.get('x-service-token')) // 'missing' | 'wrong' | 'ok'
 */
export function serviceCredential(expected: string | undefined) {
  const digest = (value: string) => new Bun.CryptoHasher('sha256').update(value).digest()
  const expectedDigest = expected ? digest(expected) : null
  return (presented: string | null): 'missing' | 'wrong' | 'ok' => {
    if (!presented) return 'missing'
    if (!expectedDigest) return 'wrong'
    return timingSafeEqual(digest(presented), expectedDigest) ? 'ok' : 'wrong'
  }
}
