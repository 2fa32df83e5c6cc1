import type { OrderEvent } from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import type { WriterFence } from '@flash/redis/recovery'
import { okAsync, ResultAsync } from 'neverthrow'
import { insertRows } from '../bulk-sql.ts'
import { keepProductStock } from './product-stock.ts'
import { raiseStreamMark } from './stream-marks.ts'

/**
 * Applies a batch of order events to MySQL: every order named in the batch
 * gets the row of its event with the highest `seq`, unless MySQL already
 * holds a higher one. Each order event carries the order's whole snapshot,
 * numbered by the live state in Redis (1 when placed, +1 on every move), so
 * the outcome depends neither on the order events are applied in nor on how
 * often: a move applied before its order was inserted inserts the moved row,
 * the insert then changes nothing; a late `paid` does not overwrite a
 * `cancelled` that came after it in Redis; a replayed batch changes nothing.
 * One statement for the orders and one for their items, whatever the batch.
 * In the same transaction, list-price orders move their product's stock
 * (`keepProductStock`), and the stream's mark is raised to the batch's
 * highest entry id (`raiseStreamMark`) when the stream is named. With a
 * `fence`, the transaction first waits for any Redis recovery of the
 * partition and refuses a batch read before it (see `writerFence`; the
 * fence must have been captured before the batch was read).
 *
 * Why a sequence number rather than one consumer per partition, which would
 * also apply each partition's events in order: the order would hold only
 * while nothing goes wrong. A batch that fails is retried after later
 * batches were read, entries a dead consumer left are reclaimed by another
 * (`XAUTOCLAIM`) after newer ones were applied, and a single consumer could
 * neither share a partition's work nor take over without a gap. With seq any
 * consumer may apply any batch at any time.
 *
 * @example
 * await writeOrders(db, 'fs:{p0}:stream:orders')([{ id: '1-0', event }])
 */
export function writeOrders(db: Db, stream?: string, fence?: WriterFence) {
  return (batch: readonly { id: string; event: OrderEvent }[]): ResultAsync<void, Error> => {
    const latest = latestOf(batch.map(({ event }) => event))
    if (latest.length === 0) return okAsync(undefined)
    const now = new Date()
    const write = (async () => {
      await db.transaction(
        async (tx) => {
          if (fence) await fence.hold(tx)
          await keepProductStock(tx, latest)
          await insertRows(tx, orders, latest.map(rowOf), KEEP_HIGHEST_SEQ)
          await insertRows(tx, orderItems, latest.map(itemOf), 'order_id = order_id')
          if (stream)
            await raiseStreamMark(
              tx,
              stream,
              batch.map(({ id }) => id),
              now,
            )
        },
        // keepProductStock reads the orders rows after locking their products and must
        // see what the writer before it committed; sale orders read nothing.
        latest.some((event) => event.saleId === null) ? READ_COMMITTED : undefined,
      )
    })()
    return ResultAsync.fromPromise(write, (cause) =>
      cause instanceof Error ? cause : new Error(String(cause)),
    )
  }
}

const READ_COMMITTED = { isolationLevel: 'read committed' } as const

/** The columns an order's events can change; the key (id) never does. */
const COLUMNS = [
  'user_id',
  'sale_id',
  'status',
  'total',
  'idempotency_key',
  'created_at',
  'updated_at',
]

/**
 * Each column takes the incoming value only when the incoming seq is higher
 * than the row's. MySQL and MariaDB evaluate these assignments left to right,
 * each seeing the columns already assigned, so `seq` is assigned last: the
 * comparisons before it still see the row's own seq.
 */
const KEEP_HIGHEST_SEQ = [
  ...COLUMNS.map((column) => `${column} = if(values(seq) > seq, values(${column}), ${column})`),
  'seq = greatest(seq, values(seq))',
].join(', ')

/**
 * Each order's event of the highest seq in the batch, ordered by order id,
 * so two writers lock the rows they share in the same order.
 */
function latestOf(events: readonly OrderEvent[]): OrderEvent[] {
  const latest = new Map<string, OrderEvent>()
  for (const event of events) {
    const kept = latest.get(event.orderId)
    if (!kept || event.seq > kept.seq) latest.set(event.orderId, event)
  }
  return [...latest.values()].sort((a, b) => (a.orderId < b.orderId ? -1 : 1))
}

function rowOf(event: OrderEvent): typeof orders.$inferInsert {
  const placed = event.type === 'order.placed'
  return {
    id: event.orderId,
    userId: event.userId,
    saleId: event.saleId,
    status: placed ? 'pending' : event.to,
    seq: event.seq,
    total: event.total,
    idempotencyKey: event.idempotencyKey,
    createdAt: event.placedAt,
    updatedAt: placed ? event.placedAt : event.at,
  }
}

function itemOf(event: OrderEvent): typeof orderItems.$inferInsert {
  return {
    orderId: event.orderId,
    productId: event.productId,
    quantity: event.quantity,
    unitPrice: event.unitPrice,
  }
}
