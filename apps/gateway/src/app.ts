import { breakerMetrics, service } from '@flash/http'
import type { Identity, TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import { clockController } from './modules/clock.ts'
import type { StreamLimits } from './modules/proxy/event-stream/stream-slots.ts'
import type { InProcessApps } from './modules/proxy/forward.ts'
import { proxyController } from './modules/proxy/index.ts'
import type { Upstreams } from './modules/proxy/routes.ts'
import { storefrontController } from './modules/storefront.ts'

export type GatewayConfig = {
  upstreams: Upstreams
  /** Apps run in the gateway's process (see ProxyConfig.inProcess). */
  inProcess?: InProcessApps
  tokens: TokenVerifier
  /** The gateway's proof to the apps that a request came through it (`x-service-token`). */
  serviceToken: string
  maxBodyBytes: number
  /** How long a client has to send a whole request body; default 5 s. */
  bodyTimeoutMs?: number
  timeoutMs: number
  breakerOpenMs?: number
  /** Server-sent event streams open at once; default 8 per client address, 1,000 in all. */
  eventStreams?: StreamLimits
  /** Refuses revoked tokens (logout) at the gateway; see ProxyConfig. */
  isRevoked?: (identity: Identity) => Promise<boolean>
  log?: (line: string) => void
}

/**
 * The single public entry point. `/ready` reports whether each app answers its own `/ready`.
 *
 * @example
 * createGatewayApp({ upstreams, tokens, serviceToken, maxBodyBytes: 16384, timeoutMs: 10_000 }).listen(3000)
 */
export function createGatewayApp(config: GatewayConfig) {
  const log = config.log ?? ((line: string) => console.error(line))
  // The proxy makes the breakers; /metrics reads them once the app holds them.
  let breakers: ReturnType<typeof breakerMetrics> = () => []
  const app = new Elysia()
    .use(
      service({
        name: 'gateway',
        parseJson: false,
        maxBodyBytes: config.maxBodyBytes,
        // Prometheus presents the same credential the gateway presents to the apps.
        metricsToken: config.serviceToken,
        metrics: () => breakers(),
        log,
        ready: async () =>
          Object.fromEntries(
            await Promise.all(
              Object.entries(config.upstreams).map(async ([name, url]) => [
                name,
                await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) }).then(
                  (r) => r.ok,
                  () => false,
                ),
              ]),
            ),
          ),
      }),
    )
    .use(clockController())
    .use(storefrontController({ log }))
    .use(
      proxyController({
        upstreams: config.upstreams,
        inProcess: config.inProcess,
        tokens: config.tokens,
        timeoutMs: config.timeoutMs,
        breakerOpenMs: config.breakerOpenMs ?? 10_000,
        serviceToken: config.serviceToken,
        body: { maxBytes: config.maxBodyBytes, timeoutMs: config.bodyTimeoutMs ?? 5_000 },
        eventStreams: config.eventStreams ?? { perClient: 8, total: 1_000 },
        isRevoked: config.isRevoked,
        log,
      }),
    )
  breakers = breakerMetrics(app.decorator.breakers)
  return app
}
