import { type ApiErrorBody, errorBody } from '@flash/contracts'
import { Elysia } from 'elysia'
import type { Identity, TokenService } from './tokens.ts'

/**
 * Route options `auth: true` (any signed-in caller) and `admin: true`, which
 * resolve `identity` from the `Authorization: Bearer` header or answer 401/403
 * with the API's error body.
 *
 * The token is checked in `transform`, before body validation, so a caller
 * without a valid token learns only that (401), never how its body was wrong.
 *
 * @example
 * new Elysia().use(bearer(tokens)).get('/me', ({ identity }) => identity, { auth: true })
 */
export function bearer(tokens: TokenService) {
  const verified = new WeakMap<Request, Identity>()
  const unauthorized = errorBody('unauthorized', 'a valid bearer token is required')

  async function identify(request: Request): Promise<Identity | null> {
    const authorization = request.headers.get('authorization')
    if (!authorization?.startsWith('Bearer ')) return null
    const identity = await tokens.verifyAccess(authorization.slice('Bearer '.length).trim())
    if (identity) verified.set(request, identity)
    return identity
  }

  /** Set by `transform` for every request that reaches `resolve`. */
  function identityOf(request: Request): Identity {
    const identity = verified.get(request)
    if (!identity) throw new Error('bearer: resolve ran without transform')
    return identity
  }

  // Elysia types `transform` as returning void, yet a returned response ends the request
  // (the bearer tests prove it); these two are typed by hand so the macro keeps its inference.
  type Guard = (context: {
    request: Request
    status: (code: 401 | 403, body: ApiErrorBody) => unknown
  }) => Promise<unknown>
  const signedIn: Guard = async ({ request, status }) =>
    (await identify(request)) ? undefined : status(401, unauthorized)
  const admin: Guard = async ({ request, status }) => {
    const identity = await identify(request)
    if (!identity) return status(401, unauthorized)
    if (identity.role !== 'admin') return status(403, errorBody('forbidden', 'admins only'))
  }

  return new Elysia({ name: '@flash/tokens/bearer' }).macro({
    auth: {
      transform: signedIn as unknown as () => void,
      resolve: ({ request }) => ({ identity: identityOf(request) }),
    },
    admin: {
      transform: admin as unknown as () => void,
      resolve: ({ request }) => ({ identity: identityOf(request) }),
    },
  })
}
