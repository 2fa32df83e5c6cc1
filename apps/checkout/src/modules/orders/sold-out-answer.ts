import type { ServiceOptions } from '@flash/http'
import { checkSoldOut } from '@flash/redis'
import { bearerToken, type TokenVerifier } from '@flash/tokens'
import { TypeCompiler } from 'elysia/type-system'
import type { CheckoutDeps } from '../../deps.ts'
import { toHttp } from '../../errors.ts'
import { OrderModel } from './model.ts'
import { offerOf } from './place.ts'

const validBody = TypeCompiler.Compile(OrderModel.placeBody)
const validHeaders = TypeCompiler.Compile(OrderModel.placeHeaders)

/**
 * The stampede after a sell-out, answered before Elysia handles the request
 * (`answerEarly`): a POST /orders for an offer this process saw sold out is
 * answered 409 `sold_out` here only when the route would answer exactly
 * that. The body and the Idempotency-Key must pass the route's own schemas
 * and name one offer, the bearer token must verify (with the verifier's
 * cache of verified tokens, expiry checked on each use), and Redis must say,
 * in one read per event-loop turn, that the reserve script would answer
 * sold out (`checkSoldOut`: logout, idempotency record, window, per-buyer
 * limit, stock). Anything else goes the full way and gets the route's answer:
 * a shortcut never changes an answer.
 *
 * None while rate limits are on: the script counts an attempt in the call
 * that decides it (after the logout check, and not when it fails), so
 * counting here as it does would take a second round trip or a second
 * script; those requests go to the script, which counts and answers them
 * (bench/README.md has what that costs).
 *
 * @example
 * service({ name: 'checkout', maxBodyBytes, answerEarly: soldOutShortcut(deps, tokens) })
 */
export function soldOutShortcut(
  deps: CheckoutDeps,
  tokens: TokenVerifier,
): ServiceOptions['answerEarly'] {
  if (deps.rateLimits) return undefined
  return {
    method: 'POST',
    path: '/orders',
    answer: (body, request) => {
      // The flag first: it is one map lookup, and most orders name an offer that is not flagged.
      if (!namesFlaggedOffer(deps, body) || !validBody.Check(body)) return undefined
      const offer = offerOf(body)
      if (!offer || !deps.soldOut.isSoldOut(offer.id)) return undefined
      const idempotencyKey = request.headers.get('idempotency-key')
      if (idempotencyKey === null || !validHeaders.Check({ 'idempotency-key': idempotencyKey }))
        return undefined
      // Read as `bearer` reads it; a header it would refuse verifies as no one here too.
      const token = bearerToken(request.headers.get('authorization'))
      if (token === null) return undefined
      const quantity = body.quantity
      return tokens
        .verifyAccess(token)
        .then((identity) =>
          identity
            ? checkSoldOut(deps.redis, deps.space, {
                offer,
                userId: identity.userId,
                quantity,
                idempotencyKey,
                token: { tokenId: identity.tokenId, issuedAt: identity.issuedAt },
              })
            : undefined,
        )
        .then((check) => {
          if (!check?.soldOut) return undefined
          deps.reserveOutcomes.count('SoldOut')
          return toHttp({ type: 'SoldOut', offer, remaining: check.remaining })
        })
    },
  }
}

/** Whether the body names an offer this process flagged sold out, before anything checks its shape. */
function namesFlaggedOffer(deps: CheckoutDeps, body: unknown): boolean {
  if (!body || typeof body !== 'object') return false
  const { saleId, productId } = body as { saleId?: unknown; productId?: unknown }
  return (
    (typeof saleId === 'string' && deps.soldOut.isSoldOut(saleId)) ||
    (typeof productId === 'string' && deps.soldOut.isSoldOut(productId))
  )
}
