import {
  type EmailKind,
  type OrderEvent,
  type OrderMoved,
  type OrderPlaced,
  parseOrderEvent,
  toFields,
} from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import type { Db } from '@flash/db/client'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { and, eq, sql } from 'drizzle-orm'
import type { ChainableCommander } from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { inList, insertRows } from '../bulk-sql.ts'
import { isTransientError } from '../transient.ts'

export const ORDER_WRITER_GROUP = 'order-writer'

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * Applies a batch of order events to MySQL in one transaction, in stream
 * order: runs of placed orders become one multi-row INSERT, moves
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
      for (const run of runsOf(batch.map(({ event }) => event))) {
        if (run.kind === 'placed') await insertPlaced(tx, run.events)
        else await applyMoves(tx, run.events)
      }
    })
    return ResultAsync.fromPromise(write, (cause) =>
      cause instanceof Error ? cause : new Error(String(cause)),
    )
  }
}

type Run = { kind: 'placed'; events: OrderPlaced[] } | { kind: 'moved'; events: OrderMoved[] }

/**
 * Cuts the batch into runs that can each be one statement without changing
 * the outcome. Changes to distinct orders commute, so only each order's own
 * events must keep their order: an event's rank is how many events of its
 * order come before it in the batch, and the runs of one rank (placed orders,
 * and one per from -> to pair) go together, rank by rank. A batch where paid
 * and failed orders alternate is then two UPDATEs, not one per alternation.
 */
function runsOf(events: OrderEvent[]): Run[] {
  const seen = new Map<string, number>()
  const byRank: Map<string, Run>[] = []
  for (const event of events) {
    const rank = seen.get(event.orderId) ?? 0
    seen.set(event.orderId, rank + 1)
    byRank[rank] ??= new Map()
    const runs = byRank[rank]
    const key = event.type === 'order.placed' ? 'placed' : `${event.from}>${event.to}`
    const run = runs.get(key)
    if (!run)
      runs.set(
        key,
        event.type === 'order.placed'
          ? { kind: 'placed', events: [event] }
          : { kind: 'moved', events: [event] },
      )
    else if (run.kind === 'placed' && event.type === 'order.placed') run.events.push(event)
    else if (run.kind === 'moved' && event.type === 'order.moved') run.events.push(event)
  }
  return byRank.flatMap((runs) => [...runs.values()])
}

/** One conditional UPDATE for a run: only orders still in `from` move, so a replay moves nothing. */
async function applyMoves(tx: Tx, events: OrderMoved[]): Promise<void> {
  const [first] = events
  if (!first) return
  const latest = new Date(Math.max(...events.map((e) => e.at.getTime())))
  await tx
    .update(orders)
    .set({ status: first.to, updatedAt: latest })
    .where(
      and(
        sql`${orders.id} in ${inList(events.map((e) => e.orderId))}`,
        eq(orders.status, first.from),
      ),
    )
}

async function insertPlaced(tx: Tx, placed: OrderPlaced[]): Promise<void> {
  if (placed.length === 0) return
  const now = new Date()
  await insertRows(
    tx,
    orders,
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
    'id = id',
  )
  await insertRows(
    tx,
    orderItems,
    placed.map((event) => ({
      orderId: event.orderId,
      productId: event.productId,
      quantity: event.quantity,
      unitPrice: event.unitPrice,
    })),
    'order_id = order_id',
  )
}

/** Where the reactions to a move go. */
export type ReactionStreams = {
  shippingStream: string
  emailsStream: string
  refundsStream: string
}

/** Which moves the buyer hears about. */
const EMAIL_ON: Partial<Record<string, EmailKind>> = {
  paid: 'order_paid',
  failed: 'order_failed',
  cancelled: 'order_cancelled',
  shipping: 'order_shipping',
  delivered: 'order_delivered',
  returned: 'order_returned',
}

/** Moves after which the order no longer keeps its units, so it must not keep a charge either. */
const GIVES_BACK = new Set(['cancelled', 'failed', 'returned'])

/**
 * Queues what follows a move on `pipeline`: a paid order is sent to
 * shipping, an order that no longer keeps its units to the refund consumer
 * (which gives back a charge if there is one), and the buyer gets an e-mail.
 * Called once the batch is in MySQL, so nobody hears of an order the
 * database does not hold yet. Duplicates are harmless: shipping, refunds and
 * e-mail are idempotent by order (and kind).
 */
function addReactions(pipeline: ChainableCommander, event: OrderEvent, streams: ReactionStreams) {
  if (event.type !== 'order.moved') return
  if (GIVES_BACK.has(event.to))
    pipeline.xadd(
      streams.refundsStream,
      '*',
      ...toFields({ type: 'refund.requested', orderId: event.orderId }),
    )
  if (event.to === 'paid')
    pipeline.xadd(
      streams.shippingStream,
      '*',
      ...toFields({ type: 'shipping.requested', orderId: event.orderId }),
    )
  const kind = EMAIL_ON[event.to]
  if (kind)
    pipeline.xadd(
      streams.emailsStream,
      '*',
      ...toFields({
        type: 'email.requested',
        kind,
        key: `${kind}:${event.orderId}`,
        orderId: event.orderId,
      }),
    )
}

/**
 * The order-writer consumer for one partition's orders stream: stores the
 * batch, then, in one pipeline, asks for payment of every order it placed and
 * queues what follows each move (shipping, e-mails: see
 * `addReactions`). A crash between the two replays the batch, so payment may
 * be asked twice and an e-mail queued twice; the payment consumer and the
 * provider are idempotent by order id, shipping and e-mail by order and kind.
 *
 * @example
 * const consumer = startOrderWriter({ db, redis, stream, paymentsStream, shippingStream, emailsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startOrderWriter(
  options: { db: Db; paymentsStream: string } & ReactionStreams &
    Omit<ConsumerOptions<OrderEvent>, 'group' | 'decode' | 'handle'>,
) {
  const { db, paymentsStream, shippingStream, emailsStream, refundsStream, ...rest } = options
  const streams = { shippingStream, emailsStream, refundsStream }
  const write = writeOrders(db)
  return startConsumer({
    ...rest,
    isTransient: isTransientError,
    group: ORDER_WRITER_GROUP,
    decode: parseOrderEvent,
    handle: (batch) =>
      write(batch).andThen(() => {
        const pipeline = options.redis.pipeline()
        for (const { event } of batch) {
          if (event.type === 'order.placed')
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
          else addReactions(pipeline, event, streams)
        }
        if (pipeline.length === 0) return okAsync(undefined)
        return ResultAsync.fromPromise(pipeline.exec(), toError).andThen((replies) => {
          const failed = replies?.find(([error]) => error)?.[0]
          return failed ? errAsync(failed) : okAsync(undefined)
        })
      }),
  })
}

function toError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause))
}
