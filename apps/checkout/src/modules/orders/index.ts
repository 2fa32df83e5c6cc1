import { clientAddress } from '@flash/http'
import { isRevoked } from '@flash/redis'
import { bearer, type TokenVerifier } from '@flash/tokens'
import { Elysia } from 'elysia'
import type { CheckoutDeps } from '../../deps.ts'
import { type CheckoutError, toHttp } from '../../errors.ts'
import { cancelOrder, requestReturn } from './cancel-return.ts'
import { OrderModel } from './model.ts'
import { placeOrder } from './place.ts'
import { getOrder, listOrders } from './read.ts'

/**
 * `/orders`: place, read, list, cancel and return the caller's orders.
 *
 * @example
 * new Elysia().use(ordersController(deps, tokens, env.SERVICE_TOKEN, console.error))
 */
export function ordersController(
  deps: CheckoutDeps,
  tokens: TokenVerifier,
  /** The gateway's credential: X-Forwarded-For is believed only from a request carrying it. */
  serviceToken: string | undefined,
  log: (line: string) => void,
) {
  const refuse = (error: CheckoutError) => {
    if (error.type === 'Unavailable') log(`[checkout] dependency failed: ${String(error.cause)}`)
    const { status, body, headers } = toHttp(error)
    return Response.json(body, { status, headers })
  }

  // Every route checks logout in Redis; POST / does it inside its reserve script (authInScript).
  const auth = bearer(tokens, {
    isRevoked: (identity) => isRevoked(deps.redis, deps.space, identity),
  })
  return new Elysia({ prefix: '/orders' })
    .use(auth)
    .post(
      '/',
      async ({ identity, body, headers, status, request, server }) => {
        const caller = {
          userId: identity.userId,
          tokenId: identity.tokenId,
          tokenIssuedAt: identity.issuedAt,
          // Only rate limits need the address; finding it costs a syscall per request.
          clientId: deps.rateLimits ? clientAddress(request, server, serviceToken) : '-',
        }
        return (await placeOrder(deps, caller, body, headers['idempotency-key'])).match(
          ({ orderId }) => status(202, { orderId, status: 'pending' as const }),
          refuse,
        )
      },
      {
        authInScript: true,
        body: OrderModel.placeBody,
        headers: OrderModel.placeHeaders,
        detail: { summary: 'Place an order for a flash sale or a product' },
      },
    )
    .get(
      '/:id',
      async ({ identity, params }) =>
        (await getOrder(deps, identity.userId, params.id)).match((order) => order, refuse),
      { auth: true, params: OrderModel.orderParams, detail: { summary: 'One of your orders' } },
    )
    .get(
      '/',
      async ({ identity, query }) =>
        (await listOrders(deps, identity.userId, query.cursor, query.limit ?? 20)).match(
          (page) => page,
          refuse,
        ),
      { auth: true, query: OrderModel.listQuery, detail: { summary: 'Your orders, newest first' } },
    )
    .post(
      '/:id/cancel',
      async ({ identity, params }) =>
        (await cancelOrder(deps, identity.userId, params.id)).match((order) => order, refuse),
      {
        auth: true,
        params: OrderModel.orderParams,
        detail: { summary: 'Cancel an order that has not started shipping' },
      },
    )
    .post(
      '/:id/return',
      async ({ identity, params }) =>
        (await requestReturn(deps, identity.userId, params.id)).match((order) => order, refuse),
      {
        auth: true,
        params: OrderModel.orderParams,
        detail: { summary: 'Ask to return a delivered order inside the return window' },
      },
    )
}
