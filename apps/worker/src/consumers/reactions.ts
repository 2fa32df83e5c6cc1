import { type EmailKind, type OrderEvent, parseOrderEvent, toFields } from '@flash/contracts'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { okAsync, ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { isTransientError } from '../transient.ts'

export const REACTIONS_GROUP = 'reactions'

/** Which status changes the buyer hears about. */
const EMAIL_ON: Partial<Record<string, EmailKind>> = {
  paid: 'order_paid',
  failed: 'order_failed',
  cancelled: 'order_cancelled',
  shipping: 'order_shipping',
  delivered: 'order_delivered',
  returned: 'order_returned',
}

/**
 * What follows a status change, read from the same orders stream the writer
 * reads (its own group, so a slow mail server never holds MySQL back): a paid
 * order is sent to shipping, and the buyer gets an e-mail. Duplicates are
 * harmless: shipping and e-mail are idempotent by order (and kind).
 *
 * @example
 * startReactions(ctx, { stream, shippingStream, emailsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startReactions(
  ctx: WorkerContext,
  options: { shippingStream: string; emailsStream: string } & Omit<
    ConsumerOptions<OrderEvent>,
    'group' | 'decode' | 'handle' | 'redis'
  >,
) {
  const { shippingStream, emailsStream, ...rest } = options
  return startConsumer({
    ...rest,
    isTransient: isTransientError,
    redis: ctx.redis,
    group: REACTIONS_GROUP,
    decode: parseOrderEvent,
    handle: (batch) => {
      const pipeline = ctx.redis.pipeline()
      for (const { event } of batch) {
        if (event.type !== 'order.status') continue
        if (event.to === 'paid')
          pipeline.xadd(
            shippingStream,
            '*',
            ...toFields({ type: 'shipping.requested', orderId: event.orderId }),
          )
        const kind = EMAIL_ON[event.to]
        if (kind)
          pipeline.xadd(
            emailsStream,
            '*',
            ...toFields({
              type: 'email.requested',
              kind,
              key: `${kind}:${event.orderId}`,
              orderId: event.orderId,
            }),
          )
      }
      if (pipeline.length === 0) return okAsync(undefined)
      return ResultAsync.fromPromise(pipeline.exec(), (cause) =>
        cause instanceof Error ? cause : new Error(String(cause)),
      ).map(() => undefined)
    },
  })
}
