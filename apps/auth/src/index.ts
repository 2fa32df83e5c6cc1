import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace } from '@flash/redis'
import { createTokenService } from '@flash/tokens'
import { createAuthApp } from './app.ts'
import { readServerEnv } from './env.ts'
import { checkoutRecentOrders } from './modules/me/recent-orders.ts'

const env = readServerEnv()
const { db, close } = connectDb(env.DATABASE_URL)
const redis = connectRedis(env.REDIS_URL, { name: 'auth' })

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
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  }),
  accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
  pii: env.piiKeyring,
  rateLimits: env.rateLimits,
  trustedProxies: env.TRUSTED_PROXIES.split(',').map((address) => address.trim()),
  recentOrders: checkout.recentOrders,
  maxBodyBytes: env.MAX_BODY_BYTES,
}).listen({ port: env.PORT, hostname: env.HOST })

console.log(`auth listening on http://${env.HOST}:${app.server?.port}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    // The first signal drains in-flight requests; a second one means "now".
    if (stopping) process.exit(1)
    stopping = true
    await app.stop()
    checkout.breaker.close()
    redis.disconnect()
    await close()
    process.exit(0)
  })
}
