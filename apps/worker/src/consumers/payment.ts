import { onlyOf, type PaymentRequested, toFields } from '@flash/contracts'
import { payments } from '@flash/db'
import { findOrderState } from '@flash/redis'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { moveOrder } from '../order-moves.ts'
import type { PaymentProvider } from '../payment-provider.ts'

export const PAYMENT_GROUP = 'payment'

/** What a charge settled to, recorded in MySQL with the rest of its batch. */
export type PaymentRecord = {
  event: PaymentRequested
  providerRef: string
  status: 'succeeded' | 'declined' | 'refunded'
}

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
 * const record = await chargeOrder(ctx, provider, rollbacksStream, event)
 */
export async function chargeOrder(
  ctx: WorkerContext,
  provider: PaymentProvider,
  rollbacksStream: string,
  event: PaymentRequested,
): Promise<PaymentRecord | null> {
  const state = await findOrderState(ctx.redis, ctx.space, event.orderId)
  if (!state || (state.status !== 'pending' && state.status !== 'paid')) return null

  const charge = await provider.charge(event.orderId, event.amount)
  if (charge.isErr()) throw new Error(charge.error.detail)
  const { id, status } = charge.value

  if (status === 'declined') {
    await ctx.redis.xadd(
      rollbacksStream,
      '*',
      ...toFields({ type: 'rollback.requested', orderId: event.orderId, reason: 'declined' }),
    )
    return { event, providerRef: id, status: 'declined' }
  }
  // The state read above names the keys; the script re-checks the status itself.
  const moved = await moveOrder(
    ctx,
    event.orderId,
    { from: ['pending'], to: 'paid', restore: false },
    state,
  )
  if (moved === 'Moved' || moved === 'AlreadyThere')
    return { event, providerRef: id, status: 'succeeded' }
  // The order was cancelled or timed out while we were charging: give the money back.
  const refund = await provider.refund(id)
  if (refund.isErr()) throw new Error(refund.error.detail)
  ctx.log(`[payment] order ${event.orderId} was no longer payable; charge ${id} refunded`)
  return { event, providerRef: id, status: 'refunded' }
}

/**
 * One multi-row upsert for a batch's outcomes (one row per order).
 *
 * @example
 * await recordPayments(ctx, records)
 */
export async function recordPayments(ctx: WorkerContext, records: PaymentRecord[]): Promise<void> {
  if (records.length === 0) return
  const now = new Date()
  await ctx.db
    .insert(payments)
    .values(
      records.map(({ event, providerRef, status }) => ({
        id: Bun.randomUUIDv7(),
        orderId: event.orderId,
        amount: event.amount,
        status,
        providerRef,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onDuplicateKeyUpdate({
      set: {
        status: sql`values(status)`,
        providerRef: sql`values(provider_ref)`,
        updatedAt: now,
      },
    })
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
        (async () => {
          const records = await Promise.all(
            batch.map(({ event }) => chargeOrder(ctx, provider, rollbacksStream, event)),
          )
          await recordPayments(
            ctx,
            records.filter((r): r is PaymentRecord => r !== null),
          )
        })(),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
