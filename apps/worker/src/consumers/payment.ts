import { onlyOf, type PaymentRequested } from '@flash/contracts'
import { payments } from '@flash/db'
import { findOrderStates, type OrderState } from '@flash/redis'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import { insertRows } from '../bulk-sql.ts'
import type { WorkerContext } from '../context.ts'
import { mapLimited } from '../map-limited.ts'
import { FAIL, type Move, moveOrders } from '../order-moves.ts'
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
 * Charges each order of a batch, with the order id as the provider's
 * idempotency key, and changes nothing else yet: the batch records every
 * outcome in MySQL first and only then acts on them (`settle`), so a crash at
 * any point leaves either nothing done or a record to redo the rest from.
 * The live states are read in one round trip; the charges run side by side,
 * `concurrency` at a time: a whole batch opening a connection per order to
 * the provider at once is rude to any real provider, and slower.
 * - already cancelled or failed: nothing is charged; a charge made before a
 *   crash is looked up and refunded;
 * - no live state any more: nothing (null);
 * - provider unreachable: an error, so the events stay pending and are
 *   retried later. We never guess an outcome.
 *
 * @example
 * const charged = await chargeOrders(ctx, provider, events, 64) // one entry per event
 */
export async function chargeOrders(
  ctx: WorkerContext,
  provider: PaymentProvider,
  events: PaymentRequested[],
  concurrency = DEFAULT_CHARGE_CONCURRENCY,
): Promise<(PaymentRecord | Charged | null)[]> {
  const states = await findOrderStates(
    ctx.redis,
    ctx.space,
    events.map((event) => event.orderId),
  )
  return mapLimited(events, concurrency, (event) =>
    chargeOrder(ctx, provider, event, states.get(event.orderId)),
  )
}

/** Charges in flight at once per batch unless the worker is configured otherwise. */
export const DEFAULT_CHARGE_CONCURRENCY = 64

async function chargeOrder(
  ctx: WorkerContext,
  provider: PaymentProvider,
  event: PaymentRequested,
  state: OrderState | undefined,
): Promise<PaymentRecord | Charged | null> {
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
  if (charge?.status !== 'succeeded') return null
  if (!charge.refunded) {
    const refund = await provider.refund(charge.id)
    if (refund.isErr()) throw new Error(refund.error.detail)
    ctx.log(`[payment] order ${event.orderId} was no longer payable; charge ${charge.id} refunded`)
  }
  return { event, providerRef: charge.id, status: 'refunded' }
}

const PAY: Move = { from: ['pending'], to: 'paid', restore: false }

/**
 * What follows a batch's recorded charges, all in one move-orders.lua call
 * (`moveOrders`, with the states read before charging naming the keys; the
 * script re-checks each status itself): a success makes the order paid and a
 * decline fails it and gives its units back, exactly as the rollback consumer
 * would (`FAIL`), without the round trip through the rollbacks stream. A
 * success that finds the order cancelled or failed by a payment timeout is
 * refunded, and its record says so.
 *
 * @example
 * await settle(ctx, provider, charged)
 */
export async function settle(
  ctx: WorkerContext,
  provider: PaymentProvider,
  charged: Charged[],
): Promise<void> {
  const moved = await moveOrders(
    ctx,
    charged.map(({ event, status, state }) => ({
      orderId: event.orderId,
      move: status === 'declined' ? FAIL : PAY,
      known: state,
    })),
  )
  const late: Charged[] = []
  for (const [i, c] of charged.entries()) {
    if (c.status === 'declined') {
      if (moved[i] === 'Moved')
        ctx.log(`[payment] order ${c.event.orderId} declined: failed, stock restored`)
    } else if (moved[i] !== 'Moved' && moved[i] !== 'AlreadyThere') late.push(c)
  }
  await Promise.all(
    late.map(async ({ providerRef }) => {
      const refund = await provider.refund(providerRef)
      if (refund.isErr()) throw new Error(refund.error.detail)
    }),
  )
  await recordPayments(
    ctx,
    late.map(({ event, providerRef }) => ({ event, providerRef, status: 'refunded' as const })),
  )
  for (const { event, providerRef } of late)
    ctx.log(
      `[payment] order ${event.orderId} was no longer payable; charge ${providerRef} refunded`,
    )
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
  await insertRows(
    ctx.db,
    payments,
    records.map(({ event, providerRef, status }) => ({
      id: Bun.randomUUIDv7(),
      orderId: event.orderId,
      amount: event.amount,
      status,
      providerRef,
      createdAt: now,
      updatedAt: now,
    })),
    'status = values(status), provider_ref = values(provider_ref), updated_at = values(updated_at)',
  )
}

/**
 * The payment consumer for one partition. Events of a batch are charged
 * concurrently (each waits on the provider); the batch is acknowledged once
 * all of them have a known outcome.
 *
 * @example
 * startPayment(ctx, provider, { stream, consumer: 'worker-1', deadLetterStream })
 */
export function startPayment(
  ctx: WorkerContext,
  provider: PaymentProvider,
  options: Omit<ConsumerOptions<PaymentRequested>, 'group' | 'decode' | 'handle' | 'redis'> & {
    /** Charges in flight at once within a batch. */
    concurrency?: number
  },
) {
  const { concurrency, ...consumerOptions } = options
  return startConsumer<PaymentRequested>({
    ...consumerOptions,
    // Never dead-letter a payment because the provider or a database is down: wait and retry.
    isTransient: () => true,
    redis: ctx.redis,
    group: PAYMENT_GROUP,
    decode: onlyOf('payment.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        (async () => {
          const outcomes = await chargeOrders(
            ctx,
            provider,
            batch.map(({ event }) => event),
            concurrency,
          )
          const records = outcomes.filter((r): r is PaymentRecord | Charged => r !== null)
          // On record first: a crash after this point replays into the same records.
          await recordPayments(
            ctx,
            records.map(({ event, providerRef, status }) => ({ event, providerRef, status })),
          )
          await settle(
            ctx,
            provider,
            records.filter((r): r is Charged => 'state' in r),
          )
        })(),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
