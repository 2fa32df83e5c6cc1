import { jwtSettings } from '@flash/config'
import { connectDb } from '@flash/db/client'
import { serve } from '@flash/http'
import { connectRedis, keySpace, requireDurableRedis } from '@flash/redis'
import { createTokenService } from '@flash/tokens'
import { createAuthApp } from './app.ts'
import { readServerEnv } from './env.ts'
import { checkoutRecentOrders } from './modules/me/recent-orders.ts'

const env = readServerEnv()
const { db, close } = connectDb(env.DATABASE_URL)
const redis = connectRedis(env.REDIS_URL, { name: 'auth' })
await requireDurableRedis(redis, {
  production: env.NODE_ENV === 'production',
  allowNoAof: env.REDIS_ALLOW_NO_AOF,
})

const checkout = checkoutRecentOrders({
  url: env.CHECKOUT_URL,
  serviceToken: env.SERVICE_TOKEN,
  breaker: { openDurationMs: env.BREAKER_OPEN_MS, timeoutMs: env.CHECKOUT_TIMEOUT_MS },
})
checkout.breaker.onTransition((t) => console.log(`[breaker] ${t.breaker}: ${t.from} -> ${t.to}`))

const app = createAuthApp({
  db,
  redis,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  tokens: createTokenService({
    ...jwtSettings(env),
    accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  }),
  accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
  pii: env.piiKeyring,
  rateLimits: env.rateLimits,
  serviceToken: env.SERVICE_TOKEN,
  recentOrders: checkout.recentOrders,
  breakers: [checkout.breaker],
  maxBodyBytes: env.MAX_BODY_BYTES,
})

await serve(app, {
  name: 'auth',
  port: env.PORT,
  host: env.HOST,
  onStop: async () => {
    checkout.breaker.close()
    redis.disconnect()
    await close()
  },
})
