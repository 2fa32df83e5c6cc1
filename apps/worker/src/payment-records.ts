import { type PaymentStatus, payments } from '@flash/db'
import { insertRows } from './bulk-sql.ts'
import type { WorkerContext } from './context.ts'

/** What we learnt about one order's money, to be kept in `payments`. */
export type PaymentRecord = {
  orderId: string
  amount: number
  status: PaymentStatus
  providerRef: string | null
  refundedAt?: Date | null
}

/**
 * Which answer wins when two records of one order meet (replays, two
 * consumers, the payment and refund consumers racing): a refund is final;
 * `unknown` and `none` are only what we knew so far and give way to any
 * other word; a decided charge is never replaced by a guess. The columns are
 * assigned left to right, so `status` goes last and the others still see the
 * old one.
 */
const KEEP_THE_BEST = [
  "provider_ref = if(status in ('unknown', 'none') or values(status) = 'refunded', coalesce(values(provider_ref), provider_ref), provider_ref)",
  "refunded_at = if(values(status) = 'refunded', coalesce(refunded_at, values(refunded_at)), refunded_at)",
  'updated_at = values(updated_at)',
  "status = if(status in ('unknown', 'none') or values(status) = 'refunded', values(status), status)",
].join(', ')

/**
 * One multi-row upsert for a batch's payment records (one row per order).
 *
 * @example
 * await recordPayments(ctx, [{ orderId, amount: 49_000, status: 'succeeded', providerRef: 'pay_1' }])
 */
export async function recordPayments(
  ctx: WorkerContext,
  records: readonly PaymentRecord[],
): Promise<void> {
  if (records.length === 0) return
  const now = new Date()
  await insertRows(
    ctx.db,
    payments,
    records.map((record) => ({
      id: Bun.randomUUIDv7(),
      orderId: record.orderId,
      amount: record.amount,
      status: record.status,
      providerRef: record.providerRef,
      refundedAt: record.refundedAt ?? null,
      createdAt: now,
      updatedAt: now,
    })),
    KEEP_THE_BEST,
  )
}
