import { jwtSettings } from '@flash/config'
import { connectDb } from '@flash/db/client'
import { serve } from '@flash/http'
import { connectRedis, keySpace, loadScripts, requireDurableRedis } from '@flash/redis'
import { createTokenVerifier } from '@flash/tokens'
import { createCheckoutApp } from './app.ts'
import { env } from './env.ts'

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
  tokens: createTokenVerifier(jwtSettings(env)),
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

serve(app, {
  name: 'checkout',
  port: env.PORT,
  host: env.HOST,
  onStop: async () => {
    redis.disconnect()
    await close()
  },
})
