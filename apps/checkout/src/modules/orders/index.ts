import { bearer, type TokenService } from '@flash/tokens'
import { Elysia } from 'elysia'
import { type CheckoutError, toHttp } from '../../errors.ts'
import { OrderModel } from './model.ts'
import { getOrder, listOrders, type OrdersDeps, placeOrder } from './service.ts'

/**
 * `/orders`: place, read and list the caller's orders.
 *
 * @example
 * new Elysia().use(ordersController(deps, tokens, console.error))
 */
export function ordersController(
  deps: OrdersDeps,
  tokens: TokenService,
  log: (line: string) => void,
) {
  const refuse = (error: CheckoutError) => {
    if (error.type === 'Unavailable') log(`[checkout] dependency failed: ${String(error.cause)}`)
    const { status, body } = toHttp(error)
    return Response.json(body, { status })
  }

  return new Elysia({ prefix: '/orders' })
    .use(bearer(tokens))
    .post(
      '/',
      async ({ identity, body, headers, status }) =>
        (await placeOrder(deps, identity.userId, body, headers['idempotency-key'])).match(
          ({ orderId }) => status(202, { orderId, status: 'pending' as const }),
          refuse,
        ),
      {
        auth: true,
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
}
