import { err, ok, type ResultAsync, safeTry } from 'neverthrow'
import type { AuthDeps } from '../../deps.ts'
import type { AuthError } from '../../errors.ts'
import { findFamily, rotateFamily } from './families.ts'
import { issueSession } from './issue.ts'
import { endFamily } from './logout.ts'
import type { Session } from './model.ts'
import { parseRefreshToken } from './refresh-token.ts'

/**
 * Trades a refresh token for a new access token and a new refresh token
 * (rotation). Each refresh token works once. Presenting one that was already
 * rotated means two parties hold the family's tokens (one of them a thief,
 * and nobody can tell which), so the whole family is ended: its refresh
 * token and every access token issued in it. That includes the loser of two
 * refreshes racing with one token: a legitimate client must not refresh
 * twice at once.
 *
 * @example
 * await refresh(deps, refreshToken) // ok({ accessToken, refreshToken, expiresIn }) or err({ type: 'InvalidToken' })
 */
export function refresh(deps: AuthDeps, presented: string): ResultAsync<Session, AuthError> {
  return safeTry(async function* () {
    const parsed = parseRefreshToken(presented)
    if (!parsed) return err({ type: 'InvalidToken' as const })
    const family = yield* findFamily(deps.db, parsed.familyId)
    if (!family || family.revokedAt || family.expiresAt.getTime() <= Date.now())
      return err({ type: 'InvalidToken' as const })

    const next =
      family.currentTokenId === parsed.tokenId
        ? yield* rotateFamily(deps.db, family.id, parsed.tokenId, deps.refreshTtlSeconds)
        : null
    if (next === null) {
      yield* endFamily(deps, family.id, family.userId)
      return err({ type: 'InvalidToken' as const })
    }
    return ok(yield* issueSession(deps, { id: family.userId, role: family.role }, family.id, next))
  })
}
