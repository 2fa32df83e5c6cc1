import type { PaymentStatus } from '@flash/db'
import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { findOrderState, type OrderState } from '@flash/redis'
import { and, desc, eq, inArray, lt } from 'drizzle-orm'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { CheckoutDeps } from '../../deps.ts'
import type { CheckoutError } from '../../errors.ts'
import type { OrderView } from './model.ts'
import { loadPaymentStatuses, paymentView, recordedPayments } from './payment-view.ts'

/**
 * The caller's order. Its live state in Redis is the authority while it
 * exists (it changes there first: cancel, payment, shipping); after that,
 * MySQL. Where its money is comes from what the worker recorded in MySQL
 * (`paymentView`). Someone else's order is "not found".
 *
 * @example
 * await getOrder(deps, userId, orderId) // ok(view) or err({ type: 'OrderNotFound' })
 */
export function getOrder(
  deps: CheckoutDeps,
  userId: string,
  orderId: string,
): ResultAsync<OrderView, CheckoutError> {
  return liveState(deps, orderId)
    .andThen((state) => {
      if (state && state.userId !== userId) return okAsync(null)
      if (state)
        return recordedPayments(deps.db, [orderId]).map((recorded) =>
          viewOfState(state, recorded.get(orderId)),
        )
      return fromMySql(deps.db, userId, [orderId]).map(([stored]) => stored ?? null)
    })
    .andThen((view) => (view ? okAsync(view) : errAsync({ type: 'OrderNotFound' as const })))
}

/**
 * The caller's orders, newest first; ids are UUIDv7, so the id is the cursor.
 * Listed from MySQL: an order appears once the writer has stored it, and a
 * status changed a moment ago may show its previous value for that moment.
 *
 * @example
 * await listOrders(deps, userId, undefined, 20) // ok({ items, nextCursor })
 */
export function listOrders(
  deps: CheckoutDeps,
  userId: string,
  cursor: string | undefined,
  limit: number,
): ResultAsync<{ items: OrderView[]; nextCursor: string | null }, CheckoutError> {
  const page = ResultAsync.fromPromise(
    deps.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.userId, userId), cursor ? lt(orders.id, cursor) : undefined))
      .orderBy(desc(orders.id))
      .limit(limit + 1),
    (cause): CheckoutError => ({ type: 'Unavailable', cause }),
  )
  return page.andThen((rows) => {
    const ids = rows.slice(0, limit).map((row) => row.id)
    const nextCursor = rows.length > limit ? (ids.at(-1) ?? null) : null
    return fromMySql(deps.db, userId, ids).map((items) => ({ items, nextCursor }))
  })
}

/**
 * @example
 * await liveState(deps, orderId) // ok(state) or ok(null) once it has left Redis
 */
export function liveState(
  deps: CheckoutDeps,
  orderId: string,
): ResultAsync<OrderState | null, CheckoutError> {
  return ResultAsync.fromPromise(
    findOrderState(deps.redis, deps.space, orderId),
    (cause): CheckoutError => ({ type: 'Unavailable', cause }),
  )
}

/**
 * @example
 * viewOfState(state, 'succeeded') // { id, status, items: [...], total, payment: { status: 'charged' }, createdAt, updatedAt }
 */
export function viewOfState(state: OrderState, recorded: PaymentStatus | undefined): OrderView {
  return {
    id: state.id,
    status: state.status,
    items: [
      {
        productId: state.productId,
        saleId: state.saleId,
        quantity: state.quantity,
        unitPrice: state.unitPrice,
      },
    ],
    total: state.total,
    payment: paymentView(state.status, recorded),
    createdAt: state.createdAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  }
}

/**
 * @example
 * await fromMySql(db, userId, [orderId]) // ok([view]) or ok([])
 */
export function fromMySql(
  db: Db,
  userId: string,
  ids: string[],
): ResultAsync<OrderView[], CheckoutError> {
  if (ids.length === 0) return okAsync([])
  const load = async () => {
    const rows = await db
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), inArray(orders.id, ids)))
      .orderBy(desc(orders.id))
    if (rows.length === 0) return []
    const found = rows.map((row) => row.id)
    const [items, recorded] = await Promise.all([
      db.select().from(orderItems).where(inArray(orderItems.orderId, found)),
      loadPaymentStatuses(db, found),
    ])
    return rows.map(
      (row): OrderView => ({
        id: row.id,
        status: row.status,
        items: items
          .filter((item) => item.orderId === row.id)
          .map((item) => ({
            productId: item.productId,
            saleId: row.saleId,
            quantity: item.quantity,
            unitPrice: item.unitPrice,
          })),
        total: row.total,
        payment: paymentView(row.status, recorded.get(row.id)),
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      }),
    )
  }
  return ResultAsync.fromPromise(load(), (cause): CheckoutError => ({ type: 'Unavailable', cause }))
}
