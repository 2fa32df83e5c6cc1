import { onlyOf, type PaymentRequested, releasesUnits, toFields } from '@flash/contracts'
import { findOrderStates, type OrderState } from '@flash/redis'
import { type ConsumerOptions, type Later, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { mapLimited } from '../map-limited.ts'
import { FAIL, type Move, moveOrders } from '../order-moves.ts'
import type { FoundCharge, PaymentProvider } from '../payment-provider.ts'
import { type PaymentRecord, recordPayments } from '../payment-records.ts'
import { isTransientError, TransientError } from '../transient.ts'

export const PAYMENT_GROUP = 'payment'

/**
 * What one payment request came to:
 * - charged / declined: the provider decided the charge (a 4xx refusal of
 *   the request counts as declined: nothing was taken, and asking again
 *   would be refused again);
 * - leftover: the order can no longer be paid (cancelled, failed, returned
 *   before its charge was settled): what the provider holds for it, which is
 *   refunded if it is a charge;
 * - unknown: no answer, so whether a charge was made is not known; asked
 *   again later by the same key, never guessed;
 * - settled: nothing to do (the order is past paid, or long gone).
 */
type Resolution =
  | { kind: 'charged'; event: PaymentRequested; ref: string; state: OrderState }
  | {
      kind: 'declined'
      event: PaymentRequested
      ref: string | null
      why: string
      state: OrderState
    }
  | { kind: 'leftover'; event: PaymentRequested; found: FoundCharge | null }
  | { kind: 'unknown'; event: PaymentRequested; why: string; charged: boolean; down: boolean }
  | { kind: 'settled'; event: PaymentRequested }

/**
 * Resolves each payment request of a batch with the provider, the order id
 * as the charge's idempotency key. Live states are read in one round trip;
 * the calls run side by side, `concurrency` at a time (a whole batch opening
 * a connection per order to the provider at once is rude to any real
 * provider, and slower).
 *
 * @example
 * const resolutions = await resolvePayments(ctx, provider, events, 64) // one per event
 */
export async function resolvePayments(
  ctx: WorkerContext,
  provider: PaymentProvider,
  events: readonly PaymentRequested[],
  concurrency = DEFAULT_CHARGE_CONCURRENCY,
): Promise<Resolution[]> {
  const states = await findOrderStates(
    ctx.redis,
    ctx.space,
    events.map((event) => event.orderId),
  )
  return mapLimited(events, concurrency, (event) =>
    resolveOne(provider, event, states.get(event.orderId)),
  )
}

/** Charges in flight at once per batch unless the worker is configured otherwise. */
export const DEFAULT_CHARGE_CONCURRENCY = 64

async function resolveOne(
  provider: PaymentProvider,
  event: PaymentRequested,
  state: OrderState | undefined,
): Promise<Resolution> {
  if (!state) return { kind: 'settled', event }
  if (state.status === 'pending' || state.status === 'paid') {
    const charge = await provider.charge(event.orderId, event.amount)
    if (charge.isOk())
      return charge.value.status === 'succeeded'
        ? { kind: 'charged', event, ref: charge.value.id, state }
        : { kind: 'declined', event, ref: charge.value.id, why: 'declined', state }
    if (charge.error.type === 'Refused')
      return { kind: 'declined', event, ref: null, why: charge.error.detail, state }
    return {
      kind: 'unknown',
      event,
      why: charge.error.detail,
      charged: true,
      down: charge.error.down,
    }
  }
  // Past paid (shipping, delivered, a return asked for): its charge is settled and kept.
  if (!releasesUnits(state.status)) return { kind: 'settled', event }
  const found = await provider.find(event.orderId)
  if (found.isErr())
    return {
      kind: 'unknown',
      event,
      why: found.error.detail,
      charged: false,
      down: found.error.type === 'Unanswered' && found.error.down,
    }
  if (found.value?.status === 'processing')
    return {
      kind: 'unknown',
      event,
      why: 'the charge is still processing',
      charged: true,
      down: false,
    }
  return { kind: 'leftover', event, found: found.value }
}

const PAY: Move = { from: ['pending'], to: 'paid', restore: false }

/**
 * Acts on a batch's resolutions, in an order that survives a crash at any
 * point: what was learnt goes on record in MySQL first (a replay learns the
 * same again from the provider, by the same keys); then one move-orders.lua
 * call pays the charged orders and fails the declined ones (units back, as
 * the rollback consumer would: `FAIL`); then every charge that must not be
 * kept (an order cancelled or failed before its charge was settled, or a
 * charge that lands after that) is queued for the refund consumer. Answers
 * the events whose outcome is still unknown, to be asked again later.
 *
 * @example
 * const later = await settlePayments(ctx, refundsStream, resolutions) // event ids
 */
export async function settlePayments(
  ctx: WorkerContext,
  refundsStream: string,
  resolutions: readonly Resolution[],
): Promise<PaymentRequested[]> {
  await recordPayments(ctx, resolutions.flatMap(recordOf))
  const decided = resolutions.filter(
    (r): r is Extract<Resolution, { kind: 'charged' | 'declined' }> =>
      r.kind === 'charged' || r.kind === 'declined',
  )
  const moved = await moveOrders(
    ctx,
    decided.map((r) => ({
      orderId: r.event.orderId,
      move: r.kind === 'charged' ? PAY : FAIL,
      known: r.state,
    })),
  )
  const refunds: string[] = []
  for (const [i, r] of decided.entries()) {
    const result = moved[i]
    if (r.kind === 'declined' && result === 'Moved')
      ctx.log(`[payment] order ${r.event.orderId} ${r.why}: failed, stock restored`)
    const kept = result === 'Moved' || result === 'MovedInMysql' || result === 'AlreadyThere'
    if (r.kind === 'charged' && !kept) {
      ctx.log(
        `[payment] order ${r.event.orderId} was charged after it ended (${result}): refunding`,
      )
      refunds.push(r.event.orderId)
    }
  }
  for (const r of resolutions)
    if (r.kind === 'leftover' && r.found?.status === 'succeeded' && !r.found.refunded)
      refunds.push(r.event.orderId)
  await queueRefunds(ctx, refundsStream, refunds)
  return resolutions.flatMap((r) => (r.kind === 'unknown' ? [r.event] : []))
}

/** What a resolution puts on record; an unknown outcome only once a charge may exist. */
function recordOf(r: Resolution): PaymentRecord[] {
  const { orderId, amount } = r.event
  switch (r.kind) {
    case 'charged':
      return [{ orderId, amount, status: 'succeeded', providerRef: r.ref }]
    case 'declined':
      return [{ orderId, amount, status: 'declined', providerRef: r.ref }]
    case 'unknown':
      // A provider that is down took no charge: nothing new to record.
      return r.charged && !r.down ? [{ orderId, amount, status: 'unknown', providerRef: null }] : []
    case 'leftover': {
      const found = r.found
      if (!found) return [{ orderId, amount, status: 'none', providerRef: null }]
      const status =
        found.status === 'declined' ? 'declined' : found.refunded ? 'refunded' : 'succeeded'
      return [{ orderId, amount, status, providerRef: found.id, refundedAt: found.refundedAt }]
    }
    case 'settled':
      return []
  }
}

/**
 * @example
 * await queueRefunds(ctx, refundsStream, [orderId])
 */
export async function queueRefunds(
  ctx: WorkerContext,
  refundsStream: string,
  orderIds: readonly string[],
): Promise<void> {
  if (orderIds.length === 0) return
  const pipeline = ctx.redis.pipeline()
  for (const orderId of orderIds)
    pipeline.xadd(refundsStream, '*', ...toFields({ type: 'refund.requested', orderId }))
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/**
 * The payment consumer for one partition. The events of a batch are resolved
 * side by side; those with a known outcome are settled and acknowledged, and
 * those whose outcome is unknown stay pending and are asked again after a
 * pause (`Later`), without holding back the rest. When the provider is down
 * for every event of the batch, the batch waits as a whole (a transient
 * error), never counted against its events.
 *
 * @example
 * startPayment(ctx, provider, { stream, refundsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startPayment(
  ctx: WorkerContext,
  provider: PaymentProvider,
  options: Omit<ConsumerOptions<PaymentRequested>, 'group' | 'decode' | 'handle' | 'redis'> & {
    refundsStream: string
    /** Charges in flight at once within a batch. */
    concurrency?: number
  },
) {
  const { concurrency, refundsStream, ...consumerOptions } = options
  return startConsumer<PaymentRequested>({
    ...consumerOptions,
    // An outage never counts against an event; a bug in one event still does.
    isTransient: isTransientError,
    redis: ctx.redis,
    group: PAYMENT_GROUP,
    decode: onlyOf('payment.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        (async (): Promise<Later> => {
          const resolutions = await resolvePayments(
            ctx,
            provider,
            batch.map(({ event }) => event),
            concurrency,
          )
          const down = resolutions.filter((r) => r.kind === 'unknown' && r.down)
          const [first] = down
          if (first?.kind === 'unknown' && down.length === resolutions.length)
            throw new TransientError(`the payment provider is down: ${first.why}`)
          const later = new Set(await settlePayments(ctx, refundsStream, resolutions))
          for (const event of later)
            ctx.log(`[payment] order ${event.orderId}: outcome unknown, asking again later`)
          return { later: batch.filter(({ event }) => later.has(event)).map(({ id }) => id) }
        })(),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
