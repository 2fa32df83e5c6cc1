import { type Role, refreshTokenFamilies, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import type { TokenService } from '@flash/tokens'
import { eq } from 'drizzle-orm'
import { err, ok, ResultAsync, safeTry } from 'neverthrow'
import { normalizeEmail } from '../../email.ts'
import type { AuthError } from '../../errors.ts'
import { verifyPassword } from '../../password.ts'
import type { LoginBody, Session } from './model.ts'
import { mintRefreshToken } from './refresh-token.ts'

/** A login session (refresh token family) lasts this long without rotation. */
const REFRESH_TTL_MS = 14 * 24 * 60 * 60 * 1000

export type SessionsDeps = {
  db: Db
  tokens: TokenService
  /**
   * A hash of a password nobody knows, verified when the e-mail is unknown so
   * that such a login costs the same argon2id work as a wrong password.
   */
  dummyHash: Promise<string>
}

/**
 * Checks the credentials and opens a session: an access token and the first
 * refresh token of a new family.
 *
 * @example
 * const result = await login(deps, { email: 'Buyer1@flash.local', password: 'buyer-password' })
 * result.isOk() // { accessToken, refreshToken, expiresIn: 900 }
 */
export function login(deps: SessionsDeps, body: LoginBody): ResultAsync<Session, AuthError> {
  return safeTry(async function* () {
    const user = yield* findUser(deps.db, normalizeEmail(body.email))
    // Always verify, even without a user, and only then decide: same work either way.
    const matches = await verifyPassword(
      body.password,
      user?.passwordHash ?? (await deps.dummyHash),
    )
    if (!user || !matches) return err({ type: 'InvalidCredentials' as const })

    const access = await deps.tokens.signAccess({ id: user.id, role: user.role })
    const refreshToken = yield* openFamily(deps.db, user.id)
    return ok({ accessToken: access.token, refreshToken, expiresIn: access.expiresIn })
  })
}

function findUser(
  db: Db,
  email: string,
): ResultAsync<{ id: string; role: Role; passwordHash: string } | undefined, AuthError> {
  const query = db
    .select({ id: users.id, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
    .limit(1)
  return ResultAsync.fromPromise(query, unavailable).map(([row]) => row)
}

function openFamily(db: Db, userId: string): ResultAsync<string, AuthError> {
  const familyId = Bun.randomUUIDv7()
  const { token, tokenId } = mintRefreshToken(familyId)
  const now = new Date()
  const insert = db.insert(refreshTokenFamilies).values({
    id: familyId,
    userId,
    currentTokenId: tokenId,
    expiresAt: new Date(now.getTime() + REFRESH_TTL_MS),
    createdAt: now,
  })
  return ResultAsync.fromPromise(insert, unavailable).map(() => token)
}

function unavailable(cause: unknown): AuthError {
  return { type: 'Unavailable', cause }
}
