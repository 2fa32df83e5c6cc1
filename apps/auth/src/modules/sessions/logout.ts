import { revokeToken, revokeUserTokens } from '@flash/redis'
import type { Identity } from '@flash/tokens'
import { ok, ResultAsync, safeTry } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import { type AuthError, unavailable } from '../../errors.ts'
import { revokeAllFamilies, revokeFamily } from './families.ts'
import { revokeFamilyTokens } from './family-tokens.ts'
import { revokedUpTo, revokeUpToAfter } from './revoked-up-to.ts'

/**
 * Ends the session the caller's access token belongs to: that token at once
 * (by its id, in Redis, where every app and the reserve script look), every
 * other access token of its family, and the family's refresh token.
 *
 * @example
 * await logout(deps, identity) // ok()
 */
export function logout(deps: AuthDeps, identity: Identity): ResultAsync<void, AuthError> {
  return safeTry(async function* () {
    yield* ResultAsync.fromPromise(
      revokeToken(deps.redis, deps.space, identity.tokenId, identity.userId, identity.expiresAt),
      unavailable,
    )
    if (identity.familyId) yield* endFamily(deps, identity.familyId, identity.userId)
    return ok(undefined)
  })
}

/**
 * Ends every session of the caller: every access token issued up to this
 * second (one Redis mark per user, no list of tokens needed) and every
 * refresh family.
 *
 * @example
 * await logoutAll(deps, identity) // ok()
 */
export function logoutAll(deps: AuthDeps, identity: Identity): ResultAsync<void, AuthError> {
  return safeTry(async function* () {
    const now = Math.floor(Date.now() / 1000)
    const upTo = revokeUpToAfter(yield* revokedUpTo(deps, identity.userId), now)
    // Kept until the last token it revokes has expired (one may be dated past now).
    const ttl = deps.accessTtlSeconds + (upTo - now)
    yield* ResultAsync.fromPromise(
      revokeUserTokens(deps.redis, deps.space, identity.userId, upTo, ttl),
      unavailable,
    )
    yield* revokeAllFamilies(deps.db, identity.userId)
    return ok(undefined)
  })
}

/**
 * Ends one family: its access tokens first (they are what a thief could be
 * using right now), then its refresh token.
 *
 * @example
 * await endFamily(deps, familyId, userId) // ok()
 */
export function endFamily(
  deps: Pick<AuthDeps, 'db' | 'redis' | 'space'>,
  familyId: string,
  userId: string,
): ResultAsync<void, AuthError> {
  return revokeFamilyTokens(deps, familyId, userId)
    .andThen(() => revokeFamily(deps.db, familyId, userId))
    .map(() => undefined)
}
