import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { type KeySpace, type Offer, orderKey, reserve } from '@flash/redis'
import { and, desc, eq, inArray, lt } from 'drizzle-orm'
import type Redis from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { CheckoutError } from '../../errors.ts'
import type { OrderView, PlaceBody } from './model.ts'
import type { SoldOutFlags } from './sold-out-flags.ts'

export type OrdersDeps = {
  redis: Redis
  db: Db
  space: KeySpace
  soldOut: SoldOutFlags
  idempotencyTtlSeconds: number
  pendingOrderTtlSeconds: number
}

/**
 * The hot path: one Redis round trip (none once the offer is known to be
 * sold out) and no MySQL. The order reaches MySQL through the order-writer.
 */
export function placeOrder(
  deps: OrdersDeps,
  userId: string,
  body: PlaceBody,
  idempotencyKey: string | undefined,
): ResultAsync<{ orderId: string; replayed: boolean }, CheckoutError> {
  if (!idempotencyKey) return errAsync({ type: 'IdempotencyKeyRequired' })
  const offer = offerOf(body)
  if (!offer) return errAsync({ type: 'InvalidOffer' })
  if (deps.soldOut.isSoldOut(offer.id)) return errAsync({ type: 'SoldOut', offer })

  return reserve(deps.redis, deps.space, {
    offer,
    orderId: Bun.randomUUIDv7(),
    userId,
    quantity: body.quantity,
    fingerprint: fingerprintOf(offer, body.quantity),
    idempotencyKey,
    idempotencyTtlSeconds: deps.idempotencyTtlSeconds,
    orderTtlSeconds: deps.pendingOrderTtlSeconds,
  })
    .map((outcome) => ({ orderId: outcome.orderId, replayed: outcome.type === 'Replayed' }))
    .mapErr((refusal): CheckoutError => {
      switch (refusal.type) {
        case 'SoldOut':
          if (refusal.remaining === 0) deps.soldOut.markSoldOut(offer.id)
          return { type: 'SoldOut', offer, remaining: refusal.remaining }
        case 'OfferNotFound':
          return { type: 'OfferNotFound', offer }
        case 'RedisUnavailable':
          return { type: 'Unavailable', cause: refusal.cause }
        default:
          return refusal
      }
    })
}

function offerOf(body: PlaceBody): Offer | null {
  if (body.saleId && !body.productId) return { kind: 'sale', id: body.saleId }
  if (body.productId && !body.saleId) return { kind: 'product', id: body.productId }
  return null
}

/** Same key and same body replay; same key and another body is refused. */
function fingerprintOf(offer: Offer, quantity: number): string {
  return Bun.hash(`${offer.kind}:${offer.id}:${quantity}`).toString(36)
}

/**
 * The caller's order: from MySQL once the writer has it, from the pending copy
 * the reserve script wrote until then. Someone else's order is "not found".
 */
export function getOrder(
  deps: OrdersDeps,
  userId: string,
  orderId: string,
): ResultAsync<OrderView, CheckoutError> {
  return fromMySql(deps.db, userId, [orderId])
    .andThen(([stored]) => (stored ? okAsync(stored) : pendingCopy(deps, userId, orderId)))
    .andThen((view) => (view ? okAsync(view) : errAsync({ type: 'OrderNotFound' as const })))
}

/**
 * The caller's orders, newest first. Ids are UUIDv7, so the id is the cursor.
 * An order appears here once the writer has stored it (within a second or so).
 */
export function listOrders(
  deps: OrdersDeps,
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

function fromMySql(db: Db, userId: string, ids: string[]): ResultAsync<OrderView[], CheckoutError> {
  if (ids.length === 0) return okAsync([])
  const load = async () => {
    const rows = await db
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), inArray(orders.id, ids)))
      .orderBy(desc(orders.id))
    if (rows.length === 0) return []
    const items = await db
      .select()
      .from(orderItems)
      .where(
        inArray(
          orderItems.orderId,
          rows.map((row) => row.id),
        ),
      )
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
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      }),
    )
  }
  return ResultAsync.fromPromise(load(), (cause): CheckoutError => ({ type: 'Unavailable', cause }))
}

/** The order id alone does not name its partition, so every partition is asked. */
function pendingCopy(
  deps: OrdersDeps,
  userId: string,
  orderId: string,
): ResultAsync<OrderView | null, CheckoutError> {
  const partitions = Array.from({ length: deps.space.partitions }, (_, p) => p)
  const read = Promise.all(
    partitions.map((p) => deps.redis.hgetall(orderKey(deps.space, p, orderId))),
  )
  return ResultAsync.fromPromise(
    read,
    (cause): CheckoutError => ({ type: 'Unavailable', cause }),
  ).map((copies) => {
    const copy = copies.find((c) => c.id === orderId && c.userId === userId)
    if (!copy) return null
    const createdAt = new Date(Number(copy.createdAt)).toISOString()
    return {
      id: orderId,
      status: 'pending',
      items: [
        {
          productId: copy.productId ?? '',
          saleId: copy.saleId || null,
          quantity: Number(copy.quantity),
          unitPrice: Number(copy.unitPrice),
        },
      ],
      total: Number(copy.total),
      createdAt,
      updatedAt: createdAt,
    }
  })
}
