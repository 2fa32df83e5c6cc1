import { connectDb } from '@flash/db/client'
import { connectRedis, keySpace } from '@flash/redis'
import { createTokenService } from '@flash/tokens'
import { createCatalogApp } from './app.ts'
import { env } from './env.ts'

const redis = connectRedis(env.REDIS_URL, { name: 'catalog' })
const { db, close } = connectDb(env.DATABASE_URL)

const app = createCatalogApp({
  redis,
  db,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  tokens: createTokenService({
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    // Catalog only verifies tokens; it never signs one.
    accessTtlSeconds: 0,
  }),
  maxBodyBytes: env.MAX_BODY_BYTES,
  saleEvents: { pollMs: env.SALE_EVENTS_POLL_MS, heartbeatMs: env.SALE_EVENTS_HEARTBEAT_MS },
}).listen({ port: env.PORT, hostname: env.HOST, maxRequestBodySize: env.MAX_BODY_BYTES * 4 })

console.log(`catalog listening on http://${env.HOST}:${app.server?.port}`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    // Event streams never finish by themselves: end them (clients reconnect elsewhere),
    // then finish the requests in hand (a sale mid-transaction) before closing what they use.
    app.decorator.saleFeeds.close()
    await app.stop()
    redis.disconnect()
    await close()
    process.exit(0)
  })
}
