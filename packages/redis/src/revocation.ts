import type { RedisClient } from './client.ts'
import { type KeySpace, revocationKeys } from './keys.ts'

function everyPartition(space: KeySpace): number[] {
  return Array.from({ length: space.partitions }, (_, p) => p)
}

/**
 * Revokes one access token (by id, never by its text) until it expires anyway.
 *
 * @example
 * await revokeToken(redis, space, identity.tokenId, identity.userId, identity.expiresAt)
 */
export async function revokeToken(
  redis: RedisClient,
  space: KeySpace,
  tokenId: string,
  userId: string,
  expiresAtSeconds: number,
): Promise<void> {
  const ttl = Math.max(1, expiresAtSeconds - Math.floor(Date.now() / 1000) + 1)
  await Promise.all(
    everyPartition(space).map((p) =>
      redis.set(revocationKeys(space, p, tokenId, userId).token, '1', 'EX', ttl),
    ),
  )
}

/**
 * Revokes every token of a user issued at or before `issuedUpTo` (epoch
 * seconds), for as long as the longest-lived token could still be valid.
 *
 * @example
 * await revokeUserTokens(redis, space, userId, Math.floor(Date.now() / 1000), 900)
 */
export async function revokeUserTokens(
  redis: RedisClient,
  space: KeySpace,
  userId: string,
  issuedUpTo: number,
  ttlSeconds: number,
): Promise<void> {
  await Promise.all(
    everyPartition(space).map((p) =>
      redis.set(
        revocationKeys(space, p, '-', userId).user,
        String(issuedUpTo),
        'EX',
        Math.max(1, ttlSeconds),
      ),
    ),
  )
}

/**
 * Whether a verified token has been revoked since it was issued. One round
 * trip (two GETs, auto-pipelined), no MySQL.
 *
 * @example
 * if (await isRevoked(redis, space, { tokenId, userId, issuedAt })) return status(401, ...)
 */
export async function isRevoked(
  redis: RedisClient,
  space: KeySpace,
  token: { tokenId: string; userId: string; issuedAt: number },
): Promise<boolean> {
  const keys = revocationKeys(space, 0, token.tokenId, token.userId)
  const [byId, floor] = await Promise.all([redis.get(keys.token), redis.get(keys.user)])
  return byId !== null || (floor !== null && token.issuedAt <= Number(floor))
}
