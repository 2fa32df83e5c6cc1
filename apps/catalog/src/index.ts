import { jwtSettings } from '@flash/config'
import { connectDb } from '@flash/db/client'
import { serve } from '@flash/http'
import { connectRedis, keySpace, requireDurableRedis } from '@flash/redis'
import { createTokenVerifier } from '@flash/tokens'
import { createCatalogApp } from './app.ts'
import { env } from './env.ts'

const redis = connectRedis(env.REDIS_URL, { name: 'catalog' })
await requireDurableRedis(redis, {
  production: env.NODE_ENV === 'production',
  allowNoAof: env.REDIS_ALLOW_NO_AOF,
})
const { db, close } = connectDb(env.DATABASE_URL)

const app = createCatalogApp({
  redis,
  db,
  space: keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS),
  tokens: createTokenVerifier(jwtSettings(env)),
  maxBodyBytes: env.MAX_BODY_BYTES,
  serviceToken: env.SERVICE_TOKEN,
  saleEvents: { pollMs: env.SALE_EVENTS_POLL_MS, heartbeatMs: env.SALE_EVENTS_HEARTBEAT_MS },
})

await serve(app, {
  name: 'catalog',
  port: env.PORT,
  host: env.HOST,
  // Event streams never finish by themselves: end them (clients reconnect elsewhere),
  // then finish the requests in hand (a sale mid-transaction) before closing what they use.
  beforeStop: () => app.decorator.saleFeeds.close(),
  onStop: async () => {
    redis.disconnect()
    await close()
  },
})
