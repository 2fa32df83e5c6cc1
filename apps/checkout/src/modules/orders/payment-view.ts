import { type OrderStatus, releasesUnits } from '@flash/contracts'
import { type PaymentStatus, payments } from '@flash/db'
import type { Db } from '@flash/db/client'
import { inArray } from 'drizzle-orm'
import { okAsync, ResultAsync } from 'neverthrow'
import type { CheckoutError } from '../../errors.ts'
import type { PaymentView } from './model.ts'

/**
 * What the buyer is told about the money, from the order's status and what
 * the worker recorded from the payment provider (`payments`, none yet right
 * after the 202):
 * - pending: no charge decided yet (not asked yet, in flight, or its answer
 *   was lost and is being asked again);
 * - charged: charged, and the order keeps it;
 * - refund_pending: charged, and the order ended without its units (cancelled,
 *   failed, returned): the refund is on its way;
 * - refunded: given back;
 * - declined: refused, nothing taken;
 * - none: the order ended before any charge was made.
 *
 * @example
 * paymentView('cancelled', 'succeeded') // { status: 'refund_pending' }
 */
export function paymentView(status: OrderStatus, recorded: PaymentStatus | undefined): PaymentView {
  switch (recorded) {
    case undefined:
    case 'unknown':
      return { status: 'pending' }
    case 'succeeded':
      return { status: releasesUnits(status) ? 'refund_pending' : 'charged' }
    case 'declined':
    case 'refunded':
    case 'none':
      return { status: recorded }
  }
}

/**
 * What `payments` holds for these orders, in one query.
 *
 * @example
 * await recordedPayments(db, [orderId]) // ok(Map { orderId => 'succeeded' })
 */
export function recordedPayments(
  db: Db,
  orderIds: readonly string[],
): ResultAsync<Map<string, PaymentStatus>, CheckoutError> {
  if (orderIds.length === 0) return okAsync(new Map())
  return ResultAsync.fromPromise(
    loadPaymentStatuses(db, orderIds),
    (cause): CheckoutError => ({ type: 'Unavailable', cause }),
  )
}

/** `recordedPayments` for callers already inside a query of their own. */
export async function loadPaymentStatuses(
  db: Db,
  orderIds: readonly string[],
): Promise<Map<string, PaymentStatus>> {
  const rows = await db
    .select({ orderId: payments.orderId, status: payments.status })
    .from(payments)
    .where(inArray(payments.orderId, [...orderIds]))
  return new Map(rows.map((row) => [row.orderId, row.status]))
}
