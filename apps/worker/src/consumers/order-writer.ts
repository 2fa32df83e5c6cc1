import {
  type EmailKind,
  type OrderEvent,
  parseOrderEvent,
  releasesUnits,
  toFields,
} from '@flash/contracts'
import type { Db } from '@flash/db/client'
import type { WriterFence } from '@flash/redis/recovery'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import type { ChainableCommander } from 'ioredis'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { isTransientError } from '../transient.ts'
import { writeOrders } from './order-rows.ts'

export const ORDER_WRITER_GROUP = 'order-writer'

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
  if (releasesUnits(event.to))
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
 * batch (with the stock of products sold at list price and the stream's
 * mark, see `writeOrders`), then, in one pipeline, asks for payment of every order it placed and
 * queues what follows each move (shipping, e-mails: see
 * `addReactions`). A crash between the two replays the batch, so payment may
 * be asked twice and an e-mail queued twice; the payment consumer and the
 * provider are idempotent by order id, shipping and e-mail by order and kind.
 *
 * @example
 * const consumer = startOrderWriter({ db, redis, stream, paymentsStream, shippingStream, emailsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startOrderWriter(
  options: { db: Db; paymentsStream: string; fence?: WriterFence } & ReactionStreams &
    Omit<ConsumerOptions<OrderEvent>, 'group' | 'decode' | 'handle'>,
) {
  const { db, paymentsStream, shippingStream, emailsStream, refundsStream, fence, ...rest } =
    options
  const streams = { shippingStream, emailsStream, refundsStream }
  const write = writeOrders(db, rest.stream, fence)
  return startConsumer({
    ...rest,
    isTransient: isTransientError,
    // The generation is captured before the read, never after: see writerFence.
    ...(fence ? { beforeRead: () => fence.capture() } : {}),
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
