import { type OrderPlaced, parseOrderPlaced } from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'

export const ORDER_WRITER_GROUP = 'order-writer'

/**
 * Persists a batch of placed orders in one transaction. Idempotent by order
 * id: a batch replayed after a crash inserts nothing twice.
 *
 * @example
 * await writeOrders(db)([{ id: '1-0', event }])
 */
export function writeOrders(db: Db) {
  return (batch: { id: string; event: OrderPlaced }[]): ResultAsync<void, Error> => {
    const now = new Date()
    const write = db.transaction(async (tx) => {
      await tx
        .insert(orders)
        .values(
          batch.map(({ event }) => ({
            id: event.orderId,
            userId: event.userId,
            saleId: event.saleId,
            status: 'pending' as const,
            total: event.total,
            idempotencyKey: event.idempotencyKey,
            createdAt: event.placedAt,
            updatedAt: now,
          })),
        )
        .onDuplicateKeyUpdate({ set: { id: sql`id` } })
      await tx
        .insert(orderItems)
        .values(
          batch.map(({ event }) => ({
            orderId: event.orderId,
            productId: event.productId,
            quantity: event.quantity,
            unitPrice: event.unitPrice,
          })),
        )
        .onDuplicateKeyUpdate({ set: { orderId: sql`order_id` } })
    })
    return ResultAsync.fromPromise(write, (cause) =>
      cause instanceof Error ? cause : new Error(String(cause)),
    )
  }
}

/**
 * The order-writer consumer for one partition's `order.placed` stream.
 *
 * @example
 * const consumer = startOrderWriter({ db, redis, stream, consumer: 'worker-1', deadLetterStream })
 */
export function startOrderWriter(
  options: { db: Db } & Omit<ConsumerOptions<OrderPlaced>, 'group' | 'decode' | 'handle'>,
) {
  const { db, ...rest } = options
  return startConsumer({
    ...rest,
    group: ORDER_WRITER_GROUP,
    decode: parseOrderPlaced,
    handle: writeOrders(db),
  })
}
