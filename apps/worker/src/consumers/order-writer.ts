import { type OrderEvent, type OrderPlaced, parseOrderEvent, toFields } from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { and, eq, sql } from 'drizzle-orm'
import { okAsync, ResultAsync } from 'neverthrow'
import { isTransientError } from '../transient.ts'

export const ORDER_WRITER_GROUP = 'order-writer'

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * Applies a batch of order events to MySQL in one transaction, in stream
 * order: runs of placed orders become one multi-row INSERT, status changes
 * become conditional UPDATEs. Idempotent: a replayed batch inserts nothing
 * twice (order id is the key) and moves nothing backwards (each UPDATE names
 * the status it expects to leave).
 *
 * @example
 * await writeOrders(db)([{ id: '1-0', event }])
 */
export function writeOrders(db: Db) {
  return (batch: { id: string; event: OrderEvent }[]): ResultAsync<void, Error> => {
    const write = db.transaction(async (tx) => {
      let placed: OrderPlaced[] = []
      for (const { event } of batch) {
        if (event.type === 'order.placed') {
          placed.push(event)
          continue
        }
        await insertPlaced(tx, placed)
        placed = []
        await tx
          .update(orders)
          .set({ status: event.to, updatedAt: event.at })
          .where(and(eq(orders.id, event.orderId), eq(orders.status, event.from)))
      }
      await insertPlaced(tx, placed)
    })
    return ResultAsync.fromPromise(write, (cause) =>
      cause instanceof Error ? cause : new Error(String(cause)),
    )
  }
}

async function insertPlaced(tx: Tx, placed: OrderPlaced[]): Promise<void> {
  if (placed.length === 0) return
  const now = new Date()
  await tx
    .insert(orders)
    .values(
      placed.map((event) => ({
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
      placed.map((event) => ({
        orderId: event.orderId,
        productId: event.productId,
        quantity: event.quantity,
        unitPrice: event.unitPrice,
      })),
    )
    .onDuplicateKeyUpdate({ set: { orderId: sql`order_id` } })
}

/**
 * The order-writer consumer for one partition's orders stream: stores the
 * batch, then asks for payment of every order it placed. A crash between the
 * two replays the batch, so payment may be asked twice; the payment consumer
 * and the provider are idempotent by order id.
 *
 * @example
 * const consumer = startOrderWriter({ db, redis, stream, paymentsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startOrderWriter(
  options: { db: Db; paymentsStream: string } & Omit<
    ConsumerOptions<OrderEvent>,
    'group' | 'decode' | 'handle'
  >,
) {
  const { db, paymentsStream, ...rest } = options
  const write = writeOrders(db)
  return startConsumer({
    ...rest,
    isTransient: isTransientError,
    group: ORDER_WRITER_GROUP,
    decode: parseOrderEvent,
    handle: (batch) =>
      write(batch).andThen(() => {
        const placed = batch.flatMap(({ event }) => (event.type === 'order.placed' ? [event] : []))
        if (placed.length === 0) return okAsync(undefined)
        const pipeline = options.redis.pipeline()
        for (const event of placed)
          pipeline.xadd(
            paymentsStream,
            '*',
            ...toFields({
              type: 'payment.requested',
              orderId: event.orderId,
              userId: event.userId,
              amount: event.total,
            }),
          )
        return ResultAsync.fromPromise(pipeline.exec(), toError).map(() => undefined)
      }),
  })
}

function toError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause))
}
