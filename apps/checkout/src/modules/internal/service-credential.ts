import { credentialCheck } from '@flash/http'

/** The header another app sends its service credential in. */
export const SERVICE_TOKEN_HEADER = 'x-service-token'

/**
 * Checks a presented service credential against the configured one in
 * constant time (`credentialCheck`), telling a missing one (401) from a
 * wrong one (403). No configured credential refuses everything.
 *
 * @example
 * const check = serviceCredential(env.SERVICE_TOKEN)
 * check(request.headers.get('x-service-token')) // 'missing' | 'wrong' | 'ok'
 */
export function serviceCredential(expected: string | undefined) {
  const matches = expected ? credentialCheck(expected) : () => false
  return (presented: string | null): 'missing' | 'wrong' | 'ok' => {
    if (!presented) return 'missing'
    return matches(presented) ? 'ok' : 'wrong'
  }
}
