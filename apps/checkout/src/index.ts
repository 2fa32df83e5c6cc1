import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace, loadScripts } from '@flash/redis'
import { createTokenService } from '@flash/tokens'
import { createCheckoutApp } from './app.ts'
import { env } from './env.ts'

const redis = connectRedis(env.REDIS_URL, { name: 'checkout' })
const { db, close } = connectDb(env.DATABASE_URL)

await loadScripts(redis)

const app = createCheckoutApp({
  redis,
  db,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  tokens: createTokenService({
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlSeconds: 0,
  }),
  maxBodyBytes: env.MAX_BODY_BYTES,
  idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
  pendingOrderTtlSeconds: env.PENDING_ORDER_TTL_SECONDS,
  soldOutFlagMs: env.SOLD_OUT_FLAG_MS,
}).listen({ port: env.PORT, hostname: env.HOST, maxRequestBodySize: env.MAX_BODY_BYTES * 4 })

console.log(`checkout listening on http://127.0.0.1:${app.server?.port}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await app.stop()
    redis.disconnect()
    await close()
    process.exit(0)
  })
}
