import { onlyOf, type ShippingRequested } from '@flash/contracts'
import { shipments } from '@flash/db'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import { insertRows } from '../bulk-sql.ts'
import type { WorkerContext } from '../context.ts'
import { isTransientError } from '../transient.ts'

export const SHIPPING_GROUP = 'shipping'

/**
 * Creates the shipment record of each paid order; one per order (unique key),
 * however often the request is delivered.
 *
 * @example
 * startShipping(ctx, { stream, consumer: 'worker-1', deadLetterStream })
 */
export function startShipping(
  ctx: WorkerContext,
  options: Omit<ConsumerOptions<ShippingRequested>, 'group' | 'decode' | 'handle' | 'redis'>,
) {
  return startConsumer<ShippingRequested>({
    ...options,
    isTransient: isTransientError,
    redis: ctx.redis,
    group: SHIPPING_GROUP,
    decode: onlyOf('shipping.requested'),
    handle: (batch) => {
      const now = new Date()
      return ResultAsync.fromPromise(
        insertRows(
          ctx.db,
          shipments,
          batch.map(({ event }) => ({
            id: Bun.randomUUIDv7(),
            orderId: event.orderId,
            status: 'preparing' as const,
            createdAt: now,
            updatedAt: now,
          })),
          'order_id = order_id',
        ),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      )
    },
  })
}
