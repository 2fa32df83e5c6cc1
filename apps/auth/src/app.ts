import type { CircuitBreaker } from '@flash/breaker'
import type { Db } from '@flash/db/client'
import { breakerMetrics, service } from '@flash/http'
import type { RedisClient } from '@flash/redis'
import { isRevoked, type KeySpace } from '@flash/redis'
import { bearer, type TokenService } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type { AuthDeps, Verification } from './deps.ts'
import { meController } from './modules/me/index.ts'
import type { RecentOrders } from './modules/me/recent-orders.ts'
import { sessionsController } from './modules/sessions/index.ts'
import { signupController } from './modules/signup/index.ts'
import { registerSignupScripts } from './modules/signup/scripts.ts'
import { hashPassword } from './shared/password.ts'
import type { Keyring } from './shared/pii/keyring.ts'
import type { AuthRateLimits } from './shared/rate-limit.ts'

export type AuthConfig = {
  db: Db
  redis: RedisClient
  space: KeySpace
  /** Signs access tokens; its TTL is the `expiresIn` logins answer with. */
  tokens: TokenService
  /** The access token TTL the token service signs with (how long a logout-all is kept). */
  accessTtlSeconds: number
  refreshTtlSeconds?: number
  pii: Keyring
  /** null turns rate limiting off. */
  rateLimits: AuthRateLimits | null
  /**
   * The credential the gateway sends with every request it forwards: only a
   * request carrying it has its X-Forwarded-For believed.
   */
  serviceToken: string | undefined
  /** The buyer's recent orders for `/auth/me` (checkout through a breaker, in production). */
  recentOrders: RecentOrders
  /** The breakers auth calls other apps through, shown in `/metrics`. */
  breakers?: CircuitBreaker[]
  /** How long a signup code lives, how often it may be tried and sent; defaults for what is left out. */
  verification?: Partial<Verification>
  maxBodyBytes: number
  log?: (line: string) => void
}

/**
 * The auth app, without listening: tests serve it on port 0, `index.ts` on its port.
 *
 * @example
 * const app = createAuthApp({ db, redis, space, tokens, pii, ... }).listen({ port: 0 })
 * await fetch(`http://127.0.0.1:${app.server?.port}/auth/login`, {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ email, password }),
 * })
 */
export function createAuthApp(config: AuthConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  registerSignupScripts(config.redis)
  const deps: AuthDeps = {
    db: config.db,
    redis: config.redis,
    space: config.space,
    tokens: config.tokens,
    pii: config.pii,
    accessTtlSeconds: config.accessTtlSeconds,
    refreshTtlSeconds: config.refreshTtlSeconds ?? 14 * 24 * 60 * 60,
    verification: { ttlSeconds: 10 * 60, maxTries: 5, maxSends: 3, ...config.verification },
    rateLimits: config.rateLimits,
    recentOrders: config.recentOrders,
    // Hashed now, not on the first unknown e-mail, so that login is not the slow one.
    dummyHash: hashPassword(crypto.randomUUID()),
  }
  // One bearer for every controller (Elysia keeps one plugin per name).
  const auth = bearer(config.tokens, {
    isRevoked: (identity) => isRevoked(config.redis, config.space, identity),
  })
  const answers = (check: Promise<unknown>) =>
    check.then(
      () => true,
      () => false,
    )
  return new Elysia()
    .use(
      service({
        name: 'auth',
        maxBodyBytes: config.maxBodyBytes,
        noStore: true,
        metricsToken: config.serviceToken,
        metrics: breakerMetrics(config.breakers ?? []),
        log,
        ready: async () => ({
          mysql: await answers(config.db.execute(sql`select 1`)),
          redis: await answers(config.redis.ping()),
        }),
      }),
    )
    .use(signupController(deps, config.serviceToken, log))
    .use(sessionsController(deps, auth, config.serviceToken, log))
    .use(meController(deps, auth, log))
}

export type AuthApp = ReturnType<typeof createAuthApp>
