export type Upstreams = { auth: string; catalog: string; checkout: string }

export type Route = {
  upstream: keyof Upstreams
  needsToken: boolean
  /**
   * Whether the gateway looks up logout in Redis itself. Checkout checks it
   * on every route (POST /orders inside its reserve script, in the same call
   * that reserves), so for `/orders` the gateway checks the signature and
   * expiry only, and one Redis round trip is not made twice.
   */
  checkRevocation: boolean
  /** A server-sent event stream: relayed over a connection of its own, and capped per client. */
  eventStream: boolean
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])
/**
 * The methods any app has a route for. Anything else (TRACE, CONNECT,
 * PROPFIND, ...) is answered 404 here, as the apps would answer it: Bun's
 * fetch drops the body of an answer to TRACE, so forwarding it would turn
 * the app's error body into an empty one.
 */
const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'])
const AUTH_PUBLIC = new Set(['/auth/signup', '/auth/verify', '/auth/login', '/auth/refresh'])
const SALE_EVENTS = /^\/sales\/[^/]+\/events$/

/**
 * Which app serves a path, and whether the gateway must see a valid token
 * before forwarding. Apps verify the token again themselves: the gateway is
 * the first gate, not the only one.
 *
 * @example
 * routeOf('POST', '/orders') // { upstream: 'checkout', needsToken: true, checkRevocation: false, eventStream: false }
 */
export function routeOf(method: string, path: string): Route | null {
  if (!FORWARDED_METHODS.has(method)) return null
  const [, first] = path.split('/', 2)
  switch (first) {
    case 'auth':
      return {
        upstream: 'auth',
        needsToken: !AUTH_PUBLIC.has(path),
        checkRevocation: true,
        eventStream: false,
      }
    case 'products':
    case 'sales':
      // Browsing is public; creating and changing the catalog is for admins.
      return {
        upstream: 'catalog',
        needsToken: !SAFE.has(method),
        checkRevocation: true,
        eventStream: method === 'GET' && SALE_EVENTS.test(path),
      }
    case 'orders':
      return { upstream: 'checkout', needsToken: true, checkRevocation: false, eventStream: false }
    default:
      return null
  }
}
