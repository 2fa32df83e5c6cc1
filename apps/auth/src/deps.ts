import type { Db } from '@flash/db/client'
import type { KeySpace, RedisClient } from '@flash/redis'
import type { TokenService } from '@flash/tokens'
import type { RecentOrders } from './modules/me/recent-orders.ts'
import type { Keyring } from './shared/pii/keyring.ts'
import type { AuthRateLimits } from './shared/rate-limit.ts'

/** How a signup waits for its code. */
export type Verification = {
  /** Seconds a signup waits for its code, from the first e-mail: a new code does not extend it. */
  ttlSeconds: number
  /** Tries at the code, whichever code of the signup they were meant for. */
  maxTries: number
  /** E-mails one signup may send: the first and the re-sends its own password asks for. */
  maxSends: number
}

/** What the auth modules need; built once in app.ts. */
export type AuthDeps = {
  db: Db
  redis: RedisClient
  space: KeySpace
  tokens: TokenService
  /** Encrypts name, phone and address, and pending signups. */
  pii: Keyring
  /** Seconds a login session lives without its refresh token being used. */
  refreshTtlSeconds: number
  /** Seconds an access token lives: how long a logout-all must be remembered. */
  accessTtlSeconds: number
  verification: Verification
  /** null turns rate limiting off. */
  rateLimits: AuthRateLimits | null
  recentOrders: RecentOrders
  /**
   * A hash of a password nobody knows, verified when the e-mail is unknown so
   * that such a login costs the same argon2id work as a wrong password.
   */
  dummyHash: Promise<string>
}
