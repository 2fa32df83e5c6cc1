import { type Role, refreshTokenFamilies, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import { and, eq, gt, isNull } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import { type AuthError, unavailable } from '../../errors.ts'
import { mintRefreshToken } from './refresh-token.ts'

/** A login session as stored, with what a new access token needs of its user. */
export type Family = {
  id: string
  userId: string
  role: Role
  currentTokenId: string
  expiresAt: Date
  revokedAt: Date | null
}

/**
 * Opens a login session: a new family and its first refresh token.
 *
 * @example
 * await openFamily(db, userId, 14 * 86400) // ok({ familyId, refreshToken })
 */
export function openFamily(
  db: Db,
  userId: string,
  ttlSeconds: number,
): ResultAsync<{ familyId: string; refreshToken: string }, AuthError> {
  const familyId = Bun.randomUUIDv7()
  const { token, tokenId } = mintRefreshToken(familyId)
  const now = new Date()
  const insert = db.insert(refreshTokenFamilies).values({
    id: familyId,
    userId,
    currentTokenId: tokenId,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    createdAt: now,
  })
  return ResultAsync.fromPromise(insert, unavailable).map(() => ({ familyId, refreshToken: token }))
}

/**
 * @example
 * await findFamily(db, familyId) // ok(family) or ok(null)
 */
export function findFamily(db: Db, familyId: string): ResultAsync<Family | null, AuthError> {
  const query = db
    .select({
      id: refreshTokenFamilies.id,
      userId: refreshTokenFamilies.userId,
      role: users.role,
      currentTokenId: refreshTokenFamilies.currentTokenId,
      expiresAt: refreshTokenFamilies.expiresAt,
      revokedAt: refreshTokenFamilies.revokedAt,
    })
    .from(refreshTokenFamilies)
    .innerJoin(users, eq(users.id, refreshTokenFamilies.userId))
    .where(eq(refreshTokenFamilies.id, familyId))
    .limit(1)
  return ResultAsync.fromPromise(query, unavailable).map(([row]) => row ?? null)
}

/**
 * Replaces the family's current refresh token with a new one, if and only
 * if `presentedTokenId` is still the current one and the family is live: a
 * compare-and-swap in one UPDATE, so of two refreshes racing with the same
 * token exactly one gets a new token. Null for the loser (or a family
 * revoked or expired meanwhile). Each use pushes the session's end out to
 * `ttlSeconds` from now: it ends after that long unused.
 *
 * @example
 * await rotateFamily(db, familyId, tokenId, 14 * 86400) // ok('0190....<secret>') or ok(null)
 */
export function rotateFamily(
  db: Db,
  familyId: string,
  presentedTokenId: string,
  ttlSeconds: number,
): ResultAsync<string | null, AuthError> {
  const { token, tokenId } = mintRefreshToken(familyId)
  const now = new Date()
  const update = db
    .update(refreshTokenFamilies)
    .set({ currentTokenId: tokenId, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) })
    .where(
      and(
        eq(refreshTokenFamilies.id, familyId),
        eq(refreshTokenFamilies.currentTokenId, presentedTokenId),
        isNull(refreshTokenFamilies.revokedAt),
        gt(refreshTokenFamilies.expiresAt, now),
      ),
    )
  return ResultAsync.fromPromise(update, unavailable).map(([result]) =>
    result.affectedRows === 1 ? token : null,
  )
}

/**
 * Ends one session of a user (a family of someone else is left alone).
 * Returns whether this call ended it.
 *
 * @example
 * await revokeFamily(db, familyId, userId) // ok(true)
 */
export function revokeFamily(
  db: Db,
  familyId: string,
  userId: string,
): ResultAsync<boolean, AuthError> {
  const update = db
    .update(refreshTokenFamilies)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(refreshTokenFamilies.id, familyId),
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
      ),
    )
  return ResultAsync.fromPromise(update, unavailable).map(([result]) => result.affectedRows === 1)
}

/**
 * Ends every session of a user.
 *
 * @example
 * await revokeAllFamilies(db, userId) // ok(3): three sessions ended
 */
export function revokeAllFamilies(db: Db, userId: string): ResultAsync<number, AuthError> {
  const update = db
    .update(refreshTokenFamilies)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokenFamilies.userId, userId), isNull(refreshTokenFamilies.revokedAt)))
  return ResultAsync.fromPromise(update, unavailable).map(([result]) => result.affectedRows)
}
