import { BreakerOpenError, CircuitBreaker } from '@flash/breaker'
import { apiError } from '@flash/http'
import type { TokenService } from '@flash/tokens'
import { Elysia } from 'elysia'
import { forward } from './forward.ts'
import { routeOf, type Upstreams } from './routes.ts'

export type ProxyConfig = {
  upstreams: Upstreams
  tokens: TokenService
  timeoutMs: number
  /** How long an upstream's breaker stays open before trial calls. */
  breakerOpenMs: number
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
    if (route.needsToken && !(await hasValidToken(config.tokens, request)))
      return apiError(401, 'unauthorized', 'a valid bearer token is required')

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

async function hasValidToken(tokens: TokenService, request: Request): Promise<boolean> {
  const authorization = request.headers.get('authorization')
  if (!authorization?.startsWith('Bearer ')) return false
  return (await tokens.verifyAccess(authorization.slice('Bearer '.length).trim())) !== null
}
