/** Where a request goes: a server, the methods it may use, and a path template. */
export type Target = {
  /** Which process answers first: 'checkout', or 'gateway' for anything sent to the gateway. */
  via: string
  base: string
  methods: string[]
  /** As the OpenAPI document writes it: `{id}` for a parameter, `*` for anything below. */
  path: string
}

type OpenApiDocument = { paths?: Record<string, Record<string, unknown>> }

/**
 * Every route a server documents at `GET /docs/json` (what @elysiajs/openapi
 * serves for each app's `service()`), one target per method and path; a
 * trailing slash is dropped (`/orders/` is the `/orders` group's root). A
 * wildcard route is one target with all its methods: its methods are all
 * the same handler.
 *
 * @example
 * await documentedRoutes('checkout', 'http://127.0.0.1:3003')
 * // [{ via: 'checkout', base, methods: ['POST'], path: '/orders' }, ...]
 */
export async function documentedRoutes(via: string, base: string): Promise<Target[]> {
  const answer = await fetch(`${base}/docs/json`)
  if (!answer.ok) throw new Error(`${via} answered ${answer.status} for /docs/json`)
  const { paths = {} } = (await answer.json()) as OpenApiDocument
  return Object.entries(paths).flatMap(([documented, operations]) => {
    const path = documented.length > 1 ? documented.replace(/\/$/, '') : documented
    const methods = Object.keys(operations).map((method) => method.toUpperCase())
    return path.includes('*')
      ? [{ via, base, methods, path }]
      : methods.map((method) => ({ via, base, methods: [method], path }))
  })
}

/** What service() gives every app, the gateway included: the gateway answers these itself. */
const OWN_ROUTES = ['/health', '/ready', '/metrics']

/**
 * The same routes sent to the gateway instead, for those the gateway's own
 * document says it serves (`/orders` and `/orders/*` cover `/orders/{id}`;
 * nothing covers `/internal/...` or an app's `/health`).
 *
 * @example
 * throughGateway(checkoutRoutes, gatewayRoutes)
 */
export function throughGateway(targets: Target[], gatewayRoutes: Target[]): Target[] {
  const served = (path: string) =>
    gatewayRoutes.some((route) =>
      route.path.endsWith('/*') ? path.startsWith(route.path.slice(0, -1)) : route.path === path,
    )
  const [gateway] = gatewayRoutes
  if (!gateway) return []
  return targets
    .filter((target) => served(target.path) && !OWN_ROUTES.includes(target.path))
    .map((target) => ({ ...target, via: `gateway→${target.via}`, base: gateway.base }))
}
