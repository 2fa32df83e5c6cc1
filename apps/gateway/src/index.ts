import { jwtSettings } from '@flash/config'
import { serve } from '@flash/http'
import { connectRedis, isRevoked, keySpace, requireDurableRedis } from '@flash/redis'
import { createTokenVerifier } from '@flash/tokens'
import { createGatewayApp } from './app.ts'
import { env } from './env.ts'

const redis = connectRedis(env.REDIS_URL, { name: 'gateway' })
await requireDurableRedis(redis, {
  production: env.NODE_ENV === 'production',
  allowNoAof: env.REDIS_ALLOW_NO_AOF,
})
const space = keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS)

const app = createGatewayApp({
  upstreams: { auth: env.AUTH_URL, catalog: env.CATALOG_URL, checkout: env.CHECKOUT_URL },
  tokens: createTokenVerifier(jwtSettings(env)),
  serviceToken: env.SERVICE_TOKEN,
  maxBodyBytes: env.MAX_BODY_BYTES,
  bodyTimeoutMs: env.BODY_TIMEOUT_MS,
  timeoutMs: env.UPSTREAM_TIMEOUT_MS,
  eventStreams: { perClient: env.EVENT_STREAMS_PER_CLIENT, total: env.EVENT_STREAMS_TOTAL },
  breakerOpenMs: env.BREAKER_OPEN_MS,
  isRevoked: (identity) => isRevoked(redis, space, identity),
})

serve(app, {
  name: 'gateway',
  port: env.PORT,
  host: env.HOST,
  beforeStop: () => app.decorator.endEventStreams(),
  onStop: () => redis.disconnect(),
})
