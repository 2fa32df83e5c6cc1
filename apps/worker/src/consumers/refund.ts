import {
  type OrderStatus,
  onlyOf,
  type RefundRequested,
  releasesUnits,
  toFields,
} from '@flash/contracts'
import { orders, payments } from '@flash/db'
import { findOrderStates } from '@flash/redis'
import { type ConsumerOptions, type Later, startConsumer } from '@flash/streams'
import { sql } from 'drizzle-orm'
import { ResultAsync } from 'neverthrow'
import { inList } from '../bulk-sql.ts'
import type { WorkerContext } from '../context.ts'
import type { PaymentProvider } from '../payment-provider.ts'
import { type PaymentRecord, recordPayments } from '../payment-records.ts'
import { isTransientError, TransientError } from '../transient.ts'

export const REFUND_GROUP = 'refund'

/** What one refund request came to. */
type Outcome =
  | { kind: 'recorded'; record: PaymentRecord; refunded: boolean }
  | { kind: 'later'; why: string; down: boolean }
  | { kind: 'skipped' }

/**
 * Gives back the charge of every order of the batch that ended without
 * keeping its units (cancelled, failed, returned), exactly once: the
 * provider is asked what it holds for the order (by the order id, the
 * charge's idempotency key), a succeeded charge is refunded under the key
 * `refund:<chargeId>` (asking again answers the same refund), the result is
 * recorded in `payments` (refunded, when), and only then is the buyer
 * e-mailed that the money is back. An order that keeps its units is never
 * refunded, whoever asks; a charge still processing, or a provider that does
 * not answer, is asked again later.
 *
 * @example
 * const later = await refundOrders(ctx, provider, emailsStream, events) // ids to ask again
 */
export async function refundOrders(
  ctx: WorkerContext,
  provider: PaymentProvider,
  emailsStream: string,
  events: readonly RefundRequested[],
): Promise<{ later: RefundRequested[]; down: boolean }> {
  const asked = [...new Set(events.map((event) => event.orderId))]
  // Most orders that fail were declined: nothing was taken, so the provider need not be asked.
  const declined = await declinedCharges(ctx, asked)
  const orderIds = asked.filter((orderId) => !declined.has(orderId))
  const known = await orderFacts(ctx, orderIds)
  const outcomes = await Promise.all(
    orderIds.map((orderId) => refundOne(ctx, provider, orderId, known.get(orderId))),
  )
  const byOrder = new Map(orderIds.map((orderId, i) => [orderId, outcomes[i] as Outcome]))
  const recorded = outcomes.flatMap((o) => (o.kind === 'recorded' ? [o] : []))
  await recordPayments(
    ctx,
    recorded.map((o) => o.record),
  )
  const refunded = recorded.filter((o) => o.refunded).map((o) => o.record.orderId)
  if (refunded.length > 0) {
    const pipeline = ctx.redis.pipeline()
    for (const orderId of refunded)
      pipeline.xadd(
        emailsStream,
        '*',
        ...toFields({
          type: 'email.requested',
          kind: 'order_refunded',
          key: `order_refunded:${orderId}`,
          orderId,
        }),
      )
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
  }
  const waiting = outcomes.filter((o) => o.kind === 'later')
  return {
    later: events.filter((event) => byOrder.get(event.orderId)?.kind === 'later'),
    down: waiting.length === outcomes.length && waiting.every((o) => o.down),
  }
}

async function refundOne(
  ctx: WorkerContext,
  provider: PaymentProvider,
  orderId: string,
  order: { status: OrderStatus; total: number } | undefined,
): Promise<Outcome> {
  if (!order || !releasesUnits(order.status)) {
    ctx.log(
      `[refund] order ${orderId} keeps its charge (${order?.status ?? 'not found'}): no refund`,
    )
    return { kind: 'skipped' }
  }
  const found = await provider.find(orderId)
  if (found.isErr())
    return {
      kind: 'later',
      why: found.error.detail,
      down: found.error.type === 'Unanswered' && found.error.down,
    }
  const charge = found.value
  const base = { orderId, amount: charge?.amount ?? order.total }
  if (!charge)
    return {
      kind: 'recorded',
      record: { ...base, status: 'none', providerRef: null },
      refunded: false,
    }
  if (charge.status === 'processing')
    return { kind: 'later', why: 'the charge is still processing', down: false }
  if (charge.status === 'declined')
    return {
      kind: 'recorded',
      record: { ...base, status: 'declined', providerRef: charge.id },
      refunded: false,
    }
  let refundedAt = charge.refundedAt
  if (!refundedAt) {
    const refund = await provider.refund(charge.id)
    if (refund.isErr()) {
      if (refund.error.type === 'Refused')
        throw new Error(`refund of ${charge.id} refused: ${refund.error.detail}`)
      return { kind: 'later', why: refund.error.detail, down: refund.error.down }
    }
    refundedAt = refund.value.refundedAt
    ctx.log(`[refund] order ${orderId} (${order.status}): charge ${charge.id} refunded`)
  }
  return {
    kind: 'recorded',
    record: { ...base, status: 'refunded', providerRef: charge.id, refundedAt },
    refunded: true,
  }
}

/**
 * The orders whose charge the provider declined, as recorded: its decision
 * for the order's key is final. A refusal of the request (recorded declined
 * without a charge id) is not among them: a charge may exist under the key.
 */
async function declinedCharges(
  ctx: WorkerContext,
  orderIds: readonly string[],
): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set()
  const rows = await ctx.db
    .select({ orderId: payments.orderId })
    .from(payments)
    .where(
      sql`${payments.orderId} in ${inList(orderIds)} and ${payments.status} = 'declined' and ${payments.providerRef} is not null`,
    )
  return new Set(rows.map((row) => row.orderId))
}

/** Each order's status (its live state while it has one, else MySQL's) and total. */
async function orderFacts(
  ctx: WorkerContext,
  orderIds: readonly string[],
): Promise<Map<string, { status: OrderStatus; total: number }>> {
  const facts = new Map<string, { status: OrderStatus; total: number }>()
  const live = await findOrderStates(ctx.redis, ctx.space, orderIds)
  for (const [id, state] of live) facts.set(id, { status: state.status, total: state.total })
  const rest = orderIds.filter((id) => !facts.has(id))
  if (rest.length > 0) {
    const rows = await ctx.db
      .select({ id: orders.id, status: orders.status, total: orders.total })
      .from(orders)
      .where(sql`${orders.id} in ${inList(rest)}`)
    for (const row of rows) facts.set(row.id, { status: row.status, total: row.total })
  }
  return facts
}

/**
 * The refund consumer for one partition: see `refundOrders`. Orders whose
 * refund cannot be settled yet stay pending and are asked again after a
 * pause, without holding back the rest; when the provider is down for the
 * whole batch, the batch waits (a transient error, never counted against it).
 *
 * @example
 * startRefund(ctx, provider, { stream, emailsStream, consumer: 'worker-1', deadLetterStream })
 */
export function startRefund(
  ctx: WorkerContext,
  provider: PaymentProvider,
  options: Omit<ConsumerOptions<RefundRequested>, 'group' | 'decode' | 'handle' | 'redis'> & {
    emailsStream: string
  },
) {
  const { emailsStream, ...consumerOptions } = options
  return startConsumer<RefundRequested>({
    ...consumerOptions,
    isTransient: isTransientError,
    redis: ctx.redis,
    group: REFUND_GROUP,
    decode: onlyOf('refund.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        (async (): Promise<Later> => {
          const events = batch.map(({ event }) => event)
          const { later, down } = await refundOrders(ctx, provider, emailsStream, events)
          if (down && later.length > 0)
            throw new TransientError('the payment provider is down: refunds wait')
          const waiting = new Set(later)
          return { later: batch.filter(({ event }) => waiting.has(event)).map(({ id }) => id) }
        })(),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
