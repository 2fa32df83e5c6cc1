import { onlyOf, type PaymentRequested, toFields } from '@flash/contracts'
import { payments } from '@flash/db'
import { findOrderState } from '@flash/redis'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { moveOrder } from '../order-moves.ts'
import type { PaymentProvider } from '../payment-provider.ts'

export const PAYMENT_GROUP = 'payment'

/**
 * Charges one order, with the order id as the provider's idempotency key:
 * - already cancelled or failed: nothing is charged;
 * - succeeded: the order becomes paid, unless a cancel or a payment timeout
 *   got there first; then the charge is refunded and the order stays as it is;
 * - declined: a rollback is requested (the rollback consumer fails the order
 *   and returns its units);
 * - provider unreachable: an error, so the event stays pending and is
 *   retried later. We never guess an outcome.
 *
 * @example
 * await chargeOrder(ctx, provider, rollbacksStream, event)
 */
export async function chargeOrder(
  ctx: WorkerContext,
  provider: PaymentProvider,
  rollbacksStream: string,
  event: PaymentRequested,
): Promise<void> {
  const state = await findOrderState(ctx.redis, ctx.space, event.orderId)
  if (!state || (state.status !== 'pending' && state.status !== 'paid')) return

  const charge = await provider.charge(event.orderId, event.amount)
  if (charge.isErr()) throw new Error(charge.error.detail)
  const { id, status } = charge.value

  if (status === 'declined') {
    await recordPayment(ctx, event, id, 'declined')
    await ctx.redis.xadd(
      rollbacksStream,
      '*',
      ...toFields({ type: 'rollback.requested', orderId: event.orderId, reason: 'declined' }),
    )
    return
  }
  const moved = await moveOrder(ctx, event.orderId, {
    from: ['pending'],
    to: 'paid',
    restore: false,
  })
  if (moved === 'Moved' || moved === 'AlreadyThere') {
    await recordPayment(ctx, event, id, 'succeeded')
    return
  }
  // The order was cancelled or timed out while we were charging: give the money back.
  const refund = await provider.refund(id)
  if (refund.isErr()) throw new Error(refund.error.detail)
  await recordPayment(ctx, event, id, 'refunded')
  ctx.log(`[payment] order ${event.orderId} was no longer payable; charge ${id} refunded`)
}

async function recordPayment(
  ctx: WorkerContext,
  event: PaymentRequested,
  providerRef: string,
  status: 'succeeded' | 'declined' | 'refunded',
): Promise<void> {
  const now = new Date()
  await ctx.db
    .insert(payments)
    .values({
      id: Bun.randomUUIDv7(),
      orderId: event.orderId,
      amount: event.amount,
      status,
      providerRef,
      createdAt: now,
      updatedAt: now,
    })
    .onDuplicateKeyUpdate({ set: { status, providerRef, updatedAt: now } })
}

/**
 * The payment consumer for one partition. Events of a batch are charged
 * concurrently (each waits on the provider); the batch is acknowledged once
 * all of them have a known outcome.
 *
 * @example
 * startPayment(ctx, provider, { stream, rollbacksStream, consumer: 'worker-1', deadLetterStream })
 */
export function startPayment(
  ctx: WorkerContext,
  provider: PaymentProvider,
  options: { rollbacksStream: string } & Omit<
    ConsumerOptions<PaymentRequested>,
    'group' | 'decode' | 'handle' | 'redis'
  >,
) {
  const { rollbacksStream, ...rest } = options
  return startConsumer<PaymentRequested>({
    ...rest,
    // Never dead-letter a payment because the provider or a database is down: wait and retry.
    isTransient: () => true,
    redis: ctx.redis,
    group: PAYMENT_GROUP,
    decode: onlyOf('payment.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        Promise.all(batch.map(({ event }) => chargeOrder(ctx, provider, rollbacksStream, event))),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ).map(() => undefined),
  })
}
