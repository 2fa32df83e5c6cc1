import type { Db } from '@flash/db/client'
import { service } from '@flash/http'
import { type KeySpace, loadScripts } from '@flash/redis'
import type { TokenService } from '@flash/tokens'
import { sql } from 'drizzle-orm'
import { Elysia } from 'elysia'
import type Redis from 'ioredis'
import { ordersController } from './modules/orders/index.ts'
import { SoldOutFlags } from './modules/orders/sold-out-flags.ts'

export type CheckoutConfig = {
  redis: Redis
  db: Db
  space: KeySpace
  tokens: TokenService
  maxBodyBytes: number
  idempotencyTtlSeconds: number
  pendingOrderTtlSeconds: number
  soldOutFlagMs: number
  log?: (line: string) => void
}

/**
 * The checkout app, without listening: tests drive it with `app.handle`, `index.ts` serves it.
 *
 * @example
 * const app = createCheckoutApp({ redis, db, space, tokens, ... })
 * await app.handle(new Request('http://local/health'))
 */
export function createCheckoutApp(config: CheckoutConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  const deps = {
    redis: config.redis,
    db: config.db,
    space: config.space,
    soldOut: new SoldOutFlags(config.soldOutFlagMs),
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    pendingOrderTtlSeconds: config.pendingOrderTtlSeconds,
  }
  // normalize: false makes an unknown body field an error instead of silently dropping it.
  return new Elysia({ normalize: false })
    .use(
      service({
        name: 'checkout',
        maxBodyBytes: config.maxBodyBytes,
        log,
        ready: async () => ({
          redis: await config.redis.ping().then(
            () => true,
            () => false,
          ),
          scripts: await loadScripts(config.redis).then(
            () => true,
            () => false,
          ),
          mysql: await config.db.execute(sql`select 1`).then(
            () => true,
            () => false,
          ),
        }),
      }),
    )
    .use(ordersController(deps, config.tokens, log))
}

export type CheckoutApp = ReturnType<typeof createCheckoutApp>
