import { onlyOf, type PaymentRequested, toFields } from '@flash/contracts'
import { payments } from '@flash/db'
import { findOrderState, type OrderState } from '@flash/redis'
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

/** A charge made, and what must follow it once it is on record. */
type Charged = PaymentRecord & { state: OrderState }

/**
 * Charges one order, with the order id as the provider's idempotency key,
 * and changes nothing else yet: the batch records every outcome in MySQL
 * first and only then acts on them (`settle`), so a crash at any point
 * leaves either nothing done or a record to redo the rest from.
 * - already cancelled or failed: nothing is charged; a charge made before a
 *   crash is looked up and refunded;
 * - provider unreachable: an error, so the event stays pending and is
 *   retried later. We never guess an outcome.
 *
 * @example
 * const charged = await chargeOrder(ctx, provider, event)
 */
export async function chargeOrder(
  ctx: WorkerContext,
  provider: PaymentProvider,
  event: PaymentRequested,
): Promise<PaymentRecord | Charged | null> {
  const state = await findOrderState(ctx.redis, ctx.space, event.orderId)
  if (!state) return null
  if (state.status !== 'pending' && state.status !== 'paid')
    return refundLeftover(ctx, provider, event)

  const charge = await provider.charge(event.orderId, event.amount)
  if (charge.isErr()) throw new Error(charge.error.detail)
  return { event, providerRef: charge.value.id, status: charge.value.status, state }
}

/** An order that can no longer be paid may still hold a charge from before a crash: give it back. */
async function refundLeftover(
  ctx: WorkerContext,
  provider: PaymentProvider,
  event: PaymentRequested,
): Promise<PaymentRecord | null> {
  const found = await provider.find(event.orderId)
  if (found.isErr()) throw new Error(found.error.detail)
  const charge = found.value
  if (!charge || charge.status !== 'succeeded') return null
  if (!charge.refunded) {
    const refund = await provider.refund(charge.id)
    if (refund.isErr()) throw new Error(refund.error.detail)
    ctx.log(`[payment] order ${event.orderId} was no longer payable; charge ${charge.id} refunded`)
  }
  return { event, providerRef: charge.id, status: 'refunded' }
}

/**
 * What follows a recorded charge: a decline asks for the rollback; a success
 * makes the order paid, unless a cancel or a payment timeout got there first,
 * in which case the charge is refunded and its record says so.
 *
 * @example
 * await settle(ctx, provider, rollbacksStream, charged)
 */
export async function settle(
  ctx: WorkerContext,
  provider: PaymentProvider,
  rollbacksStream: string,
  charged: Charged,
): Promise<void> {
  const { event, providerRef, state } = charged
  if (charged.status === 'declined') {
    await ctx.redis.xadd(
      rollbacksStream,
      '*',
      ...toFields({ type: 'rollback.requested', orderId: event.orderId, reason: 'declined' }),
    )
    return
  }
  // The state read before charging names the keys; the script re-checks the status itself.
  const moved = await moveOrder(
    ctx,
    event.orderId,
    { from: ['pending'], to: 'paid', restore: false },
    state,
  )
  if (moved === 'Moved' || moved === 'AlreadyThere') return
  const refund = await provider.refund(providerRef)
  if (refund.isErr()) throw new Error(refund.error.detail)
  await recordPayments(ctx, [{ event, providerRef, status: 'refunded' }])
  ctx.log(`[payment] order ${event.orderId} was no longer payable; charge ${providerRef} refunded`)
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
          const outcomes = await Promise.all(
            batch.map(({ event }) => chargeOrder(ctx, provider, event)),
          )
          const records = outcomes.filter((r): r is PaymentRecord | Charged => r !== null)
          // On record first: a crash after this point replays into the same records.
          await recordPayments(
            ctx,
            records.map(({ event, providerRef, status }) => ({ event, providerRef, status })),
          )
          await Promise.all(
            records.flatMap((r) =>
              'state' in r ? [settle(ctx, provider, rollbacksStream, r)] : [],
            ),
          )
        })(),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
