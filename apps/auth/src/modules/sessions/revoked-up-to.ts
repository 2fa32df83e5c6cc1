import { revocationKeys } from '@flash/redis'
import { ResultAsync } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import { type AuthError, unavailable } from '../../errors.ts'

/**
 * The moment (epoch seconds) up to which a logout-all revoked the user's
 * tokens, or null. Revocation by time has one-second resolution, so the
 * two sides keep clear of each other around it:
 *
 * - a token issued in the second of a logout-all would be born revoked, so it
 *   is dated one second past it (`issuedAtAfter`);
 * - such a token must still fall to the next logout-all, even one in that
 *   same second, so a logout-all revokes up to at least that date
 *   (`revokeUpToAfter`).
 *
 * @example
 * const upTo = yield* revokedUpTo(deps, userId) // 1767225600 or null
 */
export function revokedUpTo(
  deps: Pick<AuthDeps, 'redis' | 'space'>,
  userId: string,
): ResultAsync<number | null, AuthError> {
  const read = deps.redis.get(revocationKeys(deps.space, 0, '-', userId).user)
  return ResultAsync.fromPromise(read, unavailable).map((value) =>
    value === null ? null : Number(value),
  )
}

/**
 * The `iat` for a token issued now.
 *
 * @example
 * issuedAtAfter(1767225600, 1767225600) // 1767225601
 */
export function issuedAtAfter(upTo: number | null, now: number): number {
  return upTo === null ? now : Math.max(now, upTo + 1)
}

/**
 * The moment a logout-all now revokes up to.
 *
 * @example
 * revokeUpToAfter(1767225600, 1767225600) // 1767225601: covers a token dated past the last one
 */
export function revokeUpToAfter(upTo: number | null, now: number): number {
  return issuedAtAfter(upTo, now)
}
