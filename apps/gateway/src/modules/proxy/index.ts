import { BreakerOpenError, CircuitBreaker } from '@flash/breaker'
import { apiError } from '@flash/http'
import { bearerToken, type Identity, type TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import { forward } from './forward.ts'
import { routeOf, type Upstreams } from './routes.ts'

export type ProxyConfig = {
  upstreams: Upstreams
  tokens: TokenVerifier
  timeoutMs: number
  /** How long an upstream's breaker stays open before trial calls. */
  breakerOpenMs: number
  /**
   * Whether a verified token was revoked since (logout, logout-all): the
   * gateway refuses it on the very next request, before any app sees it.
   * Given `(identity) => isRevoked(redis, space, identity)` from @flash/redis.
   */
  isRevoked?: (identity: Identity) => Promise<boolean>
  log: (line: string) => void
}

/** A 5xx is the upstream failing; a 4xx is the client's mistake and says the upstream is fine. */
class UpstreamFailed extends Error {
  constructor(readonly response: Response) {
    super(`answered ${response.status}`)
  }
}

/**
 * Every public path: checks the token where one is needed, then forwards.
 *
 * @example
 * new Elysia().use(proxyController({ upstreams, tokens, timeoutMs: 10_000, log }))
 */
export function proxyController(config: ProxyConfig) {
  const breakers = Object.fromEntries(
    (Object.keys(config.upstreams) as (keyof Upstreams)[]).map((name) => {
      const breaker = new CircuitBreaker({
        name,
        timeoutMs: config.timeoutMs,
        openDurationMs: config.breakerOpenMs,
      })
      breaker.onTransition((t) =>
        config.log(`[gateway] breaker ${t.breaker}: ${t.from} -> ${t.to}`),
      )
      return [name, breaker]
    }),
  ) as Record<keyof Upstreams, CircuitBreaker>

  const handle = async ({
    request,
    server,
  }: {
    request: Request
    server: Bun.Server<unknown> | null
  }) => {
    const path = new URL(request.url).pathname
    const route = routeOf(request.method, path)
    if (!route) return apiError(404, 'not_found', `no route ${request.method} ${path}`)
    if (route.needsToken) {
      const refusal = await tokenRefusal(config, request)
      if (refusal) return refusal
    }

    const requestId = request.headers.get('x-request-id') ?? Bun.randomUUIDv7()
    const context = { requestId, clientIp: server?.requestIP(request)?.address }
    try {
      return await breakers[route.upstream].run(async (signal) => {
        const response = await forward(request, config.upstreams[route.upstream], context, signal)
        if (response.status >= 500) throw new UpstreamFailed(response)
        return response
      })
    } catch (error) {
      if (error instanceof UpstreamFailed) return error.response
      if (!(error instanceof BreakerOpenError))
        config.log(
          `[gateway] ${route.upstream} did not answer ${request.method} ${path}: ${String(error)}`,
        )
      return apiError(503, 'unavailable', `${route.upstream} is unavailable; try again shortly`, {
        'retry-after': '1',
        'x-request-id': requestId,
      })
    }
  }

  // parse: 'none' keeps the body a stream, forwarded untouched.
  return new Elysia()
    .decorate('breakers', breakers)
    .all('/auth/*', handle, { parse: 'none' })
    .all('/products', handle, { parse: 'none' })
    .all('/products/*', handle, { parse: 'none' })
    .all('/sales', handle, { parse: 'none' })
    .all('/sales/*', handle, { parse: 'none' })
    .all('/orders', handle, { parse: 'none' })
    .all('/orders/*', handle, { parse: 'none' })
}

/**
 * null when the request carries a valid, unrevoked access token; otherwise
 * the answer. A revocation check that cannot be made (Redis down) lets
 * nothing through: a token that might be revoked is not forwarded.
 */
async function tokenRefusal(
  config: Pick<ProxyConfig, 'tokens' | 'isRevoked' | 'log'>,
  request: Request,
): Promise<Response | null> {
  const token = bearerToken(request.headers.get('authorization'))
  const identity = token === null ? null : await config.tokens.verifyAccess(token)
  if (!identity) return apiError(401, 'unauthorized', 'a valid bearer token is required')
  if (!config.isRevoked) return null
  try {
    if (!(await config.isRevoked(identity))) return null
    return apiError(401, 'unauthorized', 'this session has ended; sign in again')
  } catch (error) {
    config.log(`[gateway] cannot check token revocation: ${String(error)}`)
    return apiError(503, 'unavailable', 'sessions cannot be checked right now; try again', {
      'retry-after': '1',
    })
  }
}
