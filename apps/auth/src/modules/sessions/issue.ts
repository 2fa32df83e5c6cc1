import type { Role } from '@flash/db'
import { ok, type ResultAsync, safeTry } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import type { AuthError } from '../../errors.ts'
import { recordFamilyToken } from './family-tokens.ts'
import type { Session } from './model.ts'
import { issuedAtAfter, revokedUpTo } from './revoked-up-to.ts'

/**
 * Signs an access token for a user in a family and answers the session.
 *
 * A token signed in the second of a logout-all is dated one second past it,
 * so that it is not born revoked (see revoked-up-to.ts).
 *
 * @example
 * await issueSession(deps, { id: userId, role: 'buyer' }, familyId, refreshToken)
 * // ok({ accessToken, refreshToken, expiresIn: 900 })
 */
export function issueSession(
  deps: Pick<AuthDeps, 'redis' | 'space' | 'tokens'>,
  user: { id: string; role: Role },
  familyId: string,
  refreshToken: string,
): ResultAsync<Session, AuthError> {
  return safeTry(async function* () {
    const upTo = yield* revokedUpTo(deps, user.id)
    const issuedAt = issuedAtAfter(upTo, Math.floor(Date.now() / 1000))
    const access = await deps.tokens.signAccess({ ...user, familyId }, { issuedAt })
    yield* recordFamilyToken(deps, familyId, access)
    return ok({ accessToken: access.token, refreshToken, expiresIn: access.expiresIn })
  })
}
