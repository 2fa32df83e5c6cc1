import { okAsync, type ResultAsync } from 'neverthrow'
import type { AuthDeps } from '../deps.ts'
import type { AuthError } from '../errors.ts'
import { authRateKey } from './keys.ts'
import { type AuthRateLimits, giveBackAttempt, hitRateLimit } from './rate-limit.ts'

/**
 * Counts one attempt at `rule` for `subject` (an address; for login, the
 * e-mail and the address, or the e-mail alone) and refuses past the
 * configured limit. Always allows when rate limits are off.
 *
 * @example
 * yield* limitAttempt(deps, 'login', `${email}|${clientIp}`)
 */
export function limitAttempt(
  deps: Pick<AuthDeps, 'redis' | 'space' | 'rateLimits'>,
  rule: keyof AuthRateLimits,
  subject: string,
): ResultAsync<void, AuthError> {
  if (!deps.rateLimits) return okAsync(undefined)
  return hitRateLimit(deps.redis, authRateKey(deps.space, rule, subject), deps.rateLimits[rule])
}

/**
 * Gives back the attempt `limitAttempt` counted at `rule`, for a rule that
 * counts failures only and an attempt that succeeded.
 *
 * @example
 * yield* forgiveAttempt(deps, 'loginAccount', email)
 */
export function forgiveAttempt(
  deps: Pick<AuthDeps, 'redis' | 'space' | 'rateLimits'>,
  rule: keyof AuthRateLimits,
  subject: string,
): ResultAsync<void, AuthError> {
  if (!deps.rateLimits) return okAsync(undefined)
  return giveBackAttempt(deps.redis, authRateKey(deps.space, rule, subject), deps.rateLimits[rule])
}
