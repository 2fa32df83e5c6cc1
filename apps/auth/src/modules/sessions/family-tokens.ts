import { revokeToken } from '@flash/redis'
import { ResultAsync } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import { type AuthError, unavailable } from '../../errors.ts'
import { familyAccessKey } from '../../shared/keys.ts'

type Deps = Pick<AuthDeps, 'redis' | 'space'>

/**
 * Remembers that an access token was issued in a family, until it expires,
 * so that ending the family (logout, a reused refresh token) can revoke it by
 * id: every app and the reserve script already check ids, and nothing has to
 * read MySQL per request.
 *
 * @example
 * await recordFamilyToken(deps, familyId, { tokenId, expiresAt })
 */
export function recordFamilyToken(
  deps: Deps,
  familyId: string,
  token: { tokenId: string; expiresAt: number },
): ResultAsync<void, AuthError> {
  const key = familyAccessKey(deps.space, familyId)
  const now = Math.floor(Date.now() / 1000)
  // The set lives as long as its longest-lived token: NX sets a first expiry, GT only extends it.
  const recorded = deps.redis
    .multi()
    .zadd(key, token.expiresAt, token.tokenId)
    .zremrangebyscore(key, '-inf', now)
    .expireat(key, token.expiresAt, 'NX')
    .expireat(key, token.expiresAt, 'GT')
    .exec()
  return ResultAsync.fromPromise(recorded, unavailable).map(() => undefined)
}

/**
 * Revokes every access token still alive in a family.
 *
 * @example
 * await revokeFamilyTokens(deps, familyId, userId) // ok(2): two tokens revoked
 */
export function revokeFamilyTokens(
  deps: Deps,
  familyId: string,
  userId: string,
): ResultAsync<number, AuthError> {
  const key = familyAccessKey(deps.space, familyId)
  const revoke = async () => {
    const now = Math.floor(Date.now() / 1000)
    const alive = await deps.redis.zrangebyscore(key, `(${now}`, '+inf', 'WITHSCORES')
    const tokens: Promise<void>[] = []
    for (let i = 0; i + 1 < alive.length; i += 2)
      tokens.push(
        revokeToken(deps.redis, deps.space, alive[i] as string, userId, Number(alive[i + 1])),
      )
    await Promise.all(tokens)
    await deps.redis.del(key)
    return tokens.length
  }
  return ResultAsync.fromPromise(revoke(), unavailable)
}
