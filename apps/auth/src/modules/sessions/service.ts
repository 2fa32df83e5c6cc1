import { type Role, users } from '@flash/db'
import type { Db } from '@flash/db/client'
import { eq } from 'drizzle-orm'
import { err, ok, ResultAsync, safeTry } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import { type AuthError, unavailable } from '../../errors.ts'
import { normalizeEmail } from '../../shared/email.ts'
import { verifyPassword } from '../../shared/password.ts'
import { forgiveAttempt, limitAttempt } from '../../shared/rate-rules.ts'
import { openFamily } from './families.ts'
import { issueSession } from './issue.ts'
import type { LoginBody, Session } from './model.ts'

/**
 * Checks the credentials and opens a session: an access token and the first
 * refresh token of a new family. Attempts are limited per (e-mail, address),
 * and failed ones per e-mail from every address together, so that guessing
 * one account's password from many addresses is limited too.
 *
 * @example
 * const result = await login(deps, { email: 'Buyer1@flash.local', password: 'buyer-password' }, '203.0.113.7')
 * result.isOk() // { accessToken, refreshToken, expiresIn: 900 }
 */
export function login(
  deps: AuthDeps,
  body: LoginBody,
  clientIp: string,
): ResultAsync<Session, AuthError> {
  return safeTry(async function* () {
    const email = normalizeEmail(body.email)
    yield* limitAttempt(deps, 'login', `${email}|${clientIp}`)
    yield* limitAttempt(deps, 'loginAccount', email)
    const user = yield* findUser(deps.db, email)
    // Always verify, even without a user, and only then decide: same work either way.
    const matches = await verifyPassword(
      body.password,
      user?.passwordHash ?? (await deps.dummyHash),
    )
    if (!user || !matches) return err({ type: 'InvalidCredentials' as const })
    // Only failures count per account: the owner signing in often never locks themselves out.
    yield* forgiveAttempt(deps, 'loginAccount', email)

    const { familyId, refreshToken } = yield* openFamily(deps.db, user.id, deps.refreshTtlSeconds)
    return ok(yield* issueSession(deps, user, familyId, refreshToken))
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
