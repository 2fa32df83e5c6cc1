import { type ApiErrorBody, errorBody } from '@flash/contracts'
import { Elysia } from 'elysia'
import { bearerToken } from './bearer-token.ts'
import type { Identity, TokenVerifier } from './tokens.ts'

export type BearerOptions = {
  /**
   * Whether a verified token has been revoked since (logout, logout-all).
   * Apps pass `(identity) => isRevoked(redis, space, identity)` from
   * @flash/redis: one Redis round trip, no MySQL. Without it only the
   * signature and claims are checked.
   */
  isRevoked?: (identity: Identity) => Promise<boolean>
}

/**
 * Route options that resolve `identity` from the `Authorization: Bearer`
 * header or answer 401/403 with the API's error body:
 *
 * - `auth: true`: any signed-in caller whose token is not revoked;
 * - `admin: true`: the same, and the caller must be an admin;
 * - `authInScript: true`: a signed-in caller, with the revocation check left
 *   to the handler, for a handler whose own Redis script checks it in the
 *   same round trip (checkout's reserve script): checking here as well would
 *   cost the hot path a second trip for nothing.
 *
 * The token is checked in `transform`, before body validation, so a caller
 * without a valid token learns only that (401), never how its body was wrong.
 * When the revocation check itself fails (Redis down) the answer is 503:
 * a token that might be revoked is not let through.
 *
 * Use one per app: Elysia keeps only the first plugin of a name, so a second
 * `bearer()` with other options would silently be the first one.
 *
 * @example
 * new Elysia()
 *   .use(bearer(tokens, { isRevoked: (id) => isRevoked(redis, space, id) }))
 *   .get('/me', ({ identity }) => identity, { auth: true })
 */
export function bearer(tokens: TokenVerifier, options: BearerOptions = {}) {
  const verified = new WeakMap<Request, Identity>()
  const unauthorized = errorBody('unauthorized', 'a valid bearer token is required')
  const revoked = errorBody('unauthorized', 'this session has ended; sign in again')
  const unavailable = errorBody('unavailable', 'sessions cannot be checked right now; try again')

  async function identify(request: Request): Promise<Identity | null> {
    const token = bearerToken(request.headers.get('authorization'))
    if (token === null) return null
    const identity = await tokens.verifyAccess(token)
    if (identity) verified.set(request, identity)
    return identity
  }

  /** Set by `transform` for every request that reaches `resolve`. */
  function identityOf(request: Request): Identity {
    const identity = verified.get(request)
    if (!identity) throw new Error('bearer: resolve ran without transform')
    return identity
  }

  type Status = (code: 401 | 403 | 503, body: ApiErrorBody) => unknown
  /** undefined when the token is still good, or the refusal to answer with. */
  async function refusalOfRevoked(identity: Identity, status: Status): Promise<unknown> {
    if (!options.isRevoked) return undefined
    try {
      return (await options.isRevoked(identity)) ? status(401, revoked) : undefined
    } catch {
      return status(503, unavailable)
    }
  }

  // Elysia types `transform` as returning void, yet a returned response ends the request
  // (the bearer tests prove it); these are typed by hand so the macro keeps its inference.
  type Guard = (context: { request: Request; status: Status }) => Promise<unknown>
  const signedIn =
    (checkRevocation: boolean): Guard =>
    async ({ request, status }) => {
      const identity = await identify(request)
      if (!identity) return status(401, unauthorized)
      if (checkRevocation) return refusalOfRevoked(identity, status)
    }
  const admin: Guard = async ({ request, status }) => {
    const identity = await identify(request)
    if (!identity) return status(401, unauthorized)
    if (identity.role !== 'admin') return status(403, errorBody('forbidden', 'admins only'))
    return refusalOfRevoked(identity, status)
  }
  const resolve = ({ request }: { request: Request }) => ({ identity: identityOf(request) })

  return new Elysia({ name: '@flash/tokens/bearer' }).macro({
    auth: { transform: signedIn(true) as unknown as () => void, resolve },
    authInScript: { transform: signedIn(false) as unknown as () => void, resolve },
    admin: { transform: admin as unknown as () => void, resolve },
  })
}
