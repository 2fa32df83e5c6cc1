import { refreshTokenFamilies } from '@flash/db'
import type { Db } from '@flash/db/client'
import { gt, max } from 'drizzle-orm'
import type { RedisClient } from '../client.ts'
import { type KeySpace, revocationKeys } from '../keys.ts'

/**
 * Puts back, in one partition, the logouts an access token could still
 * outlive: Redis held them (revocation.ts) and lost them, and a logged-out
 * token would otherwise work again until it expires. MySQL knows each
 * session's `revoked_at` but not the ids of its access tokens, so each user
 * with a session revoked within the last access-token lifetime gets a
 * user-wide mark: every token issued up to that moment is refused. Other
 * sessions of that user lose their current access token too; their refresh
 * tokens still work, so a client refreshes once. A mark Redis already holds
 * is newer (set after the restart) and is kept (NX).
 *
 * @example
 * await restoreRevocations(db, redis, space, 0, { accessTokenTtlSeconds: 900, nowMs: Date.now() }) // 3
 */
export async function restoreRevocations(
  db: Db,
  redis: RedisClient,
  space: KeySpace,
  partition: number,
  input: { accessTokenTtlSeconds: number; nowMs: number },
): Promise<number> {
  const since = new Date(input.nowMs - input.accessTokenTtlSeconds * 1000)
  const rows = await db
    .select({ userId: refreshTokenFamilies.userId, revokedAt: max(refreshTokenFamilies.revokedAt) })
    .from(refreshTokenFamilies)
    .where(gt(refreshTokenFamilies.revokedAt, since))
    .groupBy(refreshTokenFamilies.userId)
  const pipeline = redis.pipeline()
  let restored = 0
  for (const { userId, revokedAt } of rows) {
    if (!revokedAt) continue
    const revokedMs = new Date(revokedAt).getTime()
    const ttl = Math.ceil((revokedMs + input.accessTokenTtlSeconds * 1000 - input.nowMs) / 1000) + 1
    // A token's issued-at is in whole seconds, rounded down, like this: every token from before is covered.
    const issuedUpTo = String(Math.floor(revokedMs / 1000))
    pipeline.set(revocationKeys(space, partition, '-', userId).user, issuedUpTo, 'EX', ttl, 'NX')
    restored++
  }
  if (restored > 0) await pipeline.exec()
  return restored
}
