import { jwtSettings } from '@flash/config'
import { type Served, serve } from '@flash/http'
import { connectRedis, isRevoked, keySpace, requireDurableRedis } from '@flash/redis'
import { createTokenVerifier, type TokenVerifier } from '@flash/tokens'
import { createGatewayApp, type GatewayConfig } from './app.ts'
import { env } from './env.ts'

const redis = connectRedis(env.REDIS_URL, { name: 'gateway' })
await requireDurableRedis(redis, {
  production: env.NODE_ENV === 'production',
  allowNoAof: env.REDIS_ALLOW_NO_AOF,
})
const space = keySpace(env.REDIS_PREFIX, env.REDIS_PARTITIONS)
const tokens = createTokenVerifier(jwtSettings(env))
const checkout = env.CHECKOUT_IN_PROCESS ? await serveCheckoutHere(tokens) : undefined

const app = createGatewayApp({
  upstreams: { auth: env.AUTH_URL, catalog: env.CATALOG_URL, checkout: env.CHECKOUT_URL },
  inProcess: checkout?.inProcess,
  tokens,
  serviceToken: env.SERVICE_TOKEN,
  maxBodyBytes: env.MAX_BODY_BYTES,
  bodyTimeoutMs: env.BODY_TIMEOUT_MS,
  timeoutMs: env.UPSTREAM_TIMEOUT_MS,
  eventStreams: { perClient: env.EVENT_STREAMS_PER_CLIENT, total: env.EVENT_STREAMS_TOTAL },
  breakerOpenMs: env.BREAKER_OPEN_MS,
  isRevoked: (identity) => isRevoked(redis, space, identity),
})

await serve(app, {
  name: 'gateway',
  port: env.PORT,
  host: env.HOST,
  portGroup: env.REUSE_PORT_GROUP,
  beforeStop: () => app.decorator.endEventStreams(),
  onStop: async () => {
    app.decorator.closeUpstreams()
    // The gateway's requests to checkout have finished; now checkout's own (from other apps).
    await checkout?.served.stop()
    redis.disconnect()
  },
})

/**
 * Checkout, as its own process would run it (same env, same app), listening
 * at CHECKOUT_URL for the other apps, and sharing the gateway's token
 * verifier: a token checked at the edge is remembered, not verified twice.
 */
async function serveCheckoutHere(
  tokens: TokenVerifier,
): Promise<{ served: Served; inProcess: NonNullable<GatewayConfig['inProcess']> }> {
  const { readCheckoutEnv } = await import('@flash/app-checkout/env')
  const { openCheckout } = await import('@flash/app-checkout/open')
  const at = new URL(env.CHECKOUT_URL)
  const checkoutEnv = readCheckoutEnv({ ...Bun.env, HOST: at.hostname, PORT: at.port || '80' })
  const { app, close } = await openCheckout(checkoutEnv, tokens)
  // With several gateways, each runs its checkout on the same port: they share it as a group.
  const served = await serve(app, {
    name: 'checkout',
    port: checkoutEnv.PORT,
    host: checkoutEnv.HOST,
    onStop: close,
    signals: false,
    portGroup: checkoutEnv.REUSE_PORT_GROUP,
  })
  return { served, inProcess: { checkout: (request) => app.fetch(request) } }
}
