import { jwtSettings } from '@flash/config'
import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace, loadScripts, requireDurableRedis } from '@flash/redis'
import { createTokenVerifier, type TokenVerifier } from '@flash/tokens'
import { type CheckoutApp, createCheckoutApp } from './app.ts'
import type { CheckoutEnv } from './env.ts'

export type OpenCheckout = {
  app: CheckoutApp
  /** Closes Redis and MySQL, once the app has stopped taking requests. */
  close: () => Promise<void>
}

/**
 * Checkout's connections and app, ready to serve: what `index.ts` serves on
 * its own, and what the gateway serves beside itself when it runs checkout
 * in its process. `tokens` lets the gateway share its verifier, so a token
 * it checked at the edge is not verified a second time.
 *
 * @example
 * const { app, close } = await openCheckout(readCheckoutEnv(Bun.env))
 * await serve(app, { name: 'checkout', port: env.PORT, host: env.HOST, onStop: close })
 */
export async function openCheckout(
  env: CheckoutEnv,
  tokens: TokenVerifier = createTokenVerifier(jwtSettings(env)),
): Promise<OpenCheckout> {
  const redis = connectRedis(env.REDIS_URL, { name: 'checkout' })
  await requireDurableRedis(redis, {
    production: env.NODE_ENV === 'production',
    allowNoAof: env.REDIS_ALLOW_NO_AOF,
  })
  const { db, close } = connectDb(env.DATABASE_URL)
  await loadScripts(redis)

  const app = createCheckoutApp({
    redis,
    db,
    space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
    tokens,
    maxBodyBytes: env.MAX_BODY_BYTES,
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    orderStateTtlSeconds: env.ORDER_STATE_TTL_SECONDS,
    finishedOrderTtlSeconds: env.FINISHED_ORDER_TTL_SECONDS,
    returnWindowSeconds: env.RETURN_WINDOW_SECONDS,
    soldOutFlagMs: env.SOLD_OUT_FLAG_MS,
    rateLimits:
      env.RATE_LIMITS === 'off'
        ? null
        : {
            perBuyer: env.ORDER_RATE_PER_BUYER,
            perClient: env.ORDER_RATE_PER_CLIENT,
            windowSeconds: env.ORDER_RATE_WINDOW_SECONDS,
          },
    serviceToken: env.SERVICE_TOKEN,
  })
  return {
    app,
    close: async () => {
      redis.disconnect()
      await close()
    },
  }
}
