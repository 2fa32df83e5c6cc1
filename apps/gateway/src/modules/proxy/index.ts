import { apiError } from '@flash/http'
import type { TokenService } from '@flash/tokens'
import { Elysia } from 'elysia'
import { forward } from './forward.ts'
import { routeOf, type Upstreams } from './routes.ts'

export type ProxyConfig = {
  upstreams: Upstreams
  tokens: TokenService
  timeoutMs: number
  log: (line: string) => void
}

/**
 * Every public path: checks the token where one is needed, then forwards.
 *
 * @example
 * new Elysia().use(proxyController({ upstreams, tokens, timeoutMs: 10_000, log }))
 */
export function proxyController(config: ProxyConfig) {
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
    try {
      return await forward(request, config.upstreams[route.upstream], {
        requestId,
        clientIp: server?.requestIP(request)?.address,
        timeoutMs: config.timeoutMs,
      })
    } catch (error) {
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
