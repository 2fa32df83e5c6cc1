import type { ApiError } from './errors.ts'
import type { Tokens } from './tokens.ts'

/** Any `fetch`: the global one, a browser's, or a test's wrapper. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** A failure found before any request was answered (the refresh a call needed failed). */
export class CallFailed extends Error {
  constructor(readonly error: ApiError) {
    super(error.message)
  }
}

const PUBLIC_AUTH = new Set(['/auth/signup', '/auth/verify', '/auth/login', '/auth/refresh'])
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Whether a route of shared/API.md needs the bearer token: every `/orders`
 * route, `/auth` once signed in, and changes to the catalog (admin).
 *
 * @example
 * needsToken('GET', '/sales/1') // false
 */
export function needsToken(method: string, path: string): boolean {
  const [, first] = path.split('/', 2)
  switch (first) {
    case 'auth':
      return !PUBLIC_AUTH.has(path)
    case 'orders':
      return true
    case 'products':
    case 'sales':
      return !SAFE.has(method)
    default:
      return false
  }
}

/**
 * The `fetch` the Eden clients call: every request gets a time limit, and a
 * request to a route that needs a token gets a fresh one; when the server
 * refuses the token with a 401 the session is refreshed (once, shared with
 * every call that needs it) and the request is sent once more.
 *
 * @example
 * treaty<CheckoutApp>(baseUrl, { fetcher: sessionFetch({ baseUrl, fetch, tokens, timeoutMs }) as typeof fetch })
 */
export function sessionFetch(options: {
  baseUrl: string
  fetch: FetchLike
  tokens: Tokens
  timeoutMs: number
}): FetchLike {
  const { baseUrl, tokens, timeoutMs } = options
  const timed = (url: string, init: RequestInit) => {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    return options.fetch(url, { ...init, signal })
  }
  return async (input, init = {}) => {
    // Eden calls with a URL string and a body it has already serialised, so a request can be sent twice.
    const url = String(input)
    const method = (init.method ?? 'GET').toUpperCase()
    const send = (token: string | null) => {
      const headers = new Headers(init.headers)
      if (token !== null) headers.set('authorization', `Bearer ${token}`)
      return timed(url, { ...init, headers })
    }
    if (!needsToken(method, pathOf(url, baseUrl))) return send(null)
    const token = await tokens.forRequest()
    if (token.isErr()) throw new CallFailed(token.error)
    const first = await send(token.value)
    if (first.status !== 401 || token.value === null) return first
    const next = await tokens.afterRejection(token.value)
    if (next === null) return first
    await first.body?.cancel()
    return send(next)
  }
}

function pathOf(url: string, baseUrl: string): string {
  const rest = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : new URL(url).pathname
  const query = rest.search(/[?#]/)
  return query === -1 ? rest : rest.slice(0, query)
}
