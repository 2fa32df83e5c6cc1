import type { Db } from '@flash/db/client'
import type { KeySpace } from '@flash/redis'
import type { TokenService } from '@flash/tokens'
import type Redis from 'ioredis'
import type { RecentOrders } from './modules/me/recent-orders.ts'
import type { Keyring } from './shared/pii/keyring.ts'
import type { AuthRateLimits } from './shared/rate-limit.ts'

/** What the auth modules need; built once in app.ts. */
export type AuthDeps = {
  db: Db
  redis: Redis
  space: KeySpace
  tokens: TokenService
  /** Encrypts name, phone and address, and pending signups. */
  pii: Keyring
  /** Seconds a login session lives without its refresh token being used. */
  refreshTtlSeconds: number
  /** Seconds an access token lives: how long a logout-all must be remembered. */
  accessTtlSeconds: number
  verification: { ttlSeconds: number; maxTries: number }
  /** null turns rate limiting off. */
  rateLimits: AuthRateLimits | null
  recentOrders: RecentOrders
  /**
   * A hash of a password nobody knows, verified when the e-mail is unknown so
   * that such a login costs the same argon2id work as a wrong password.
   */
  dummyHash: Promise<string>
}
