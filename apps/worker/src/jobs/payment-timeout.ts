import { toFields } from '@flash/contracts'
import { orders } from '@flash/db'
import { and, asc, eq, lte } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'

/**
 * Asks for the rollback of every order still pending after `timeoutMs`: its
 * payment never came back. If a payment success arrives after the rollback,
 * the payment consumer finds the order failed and refunds the charge.
 *
 * @example
 * await expireUnpaidOrders(ctx, new Date(), 15 * 60_000, rollbacksStream) // 2
 */
export async function expireUnpaidOrders(
  ctx: WorkerContext,
  now: Date,
  timeoutMs: number,
  rollbacksStream: string,
  batch = 500,
): Promise<number> {
  const due = await ctx.db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(eq(orders.status, 'pending'), lte(orders.createdAt, new Date(now.getTime() - timeoutMs))),
    )
    .orderBy(asc(orders.createdAt))
    .limit(batch)
  if (due.length === 0) return 0
  const pipeline = ctx.redis.pipeline()
  for (const { id } of due)
    pipeline.xadd(
      rollbacksStream,
      '*',
      ...toFields({ type: 'rollback.requested', orderId: id, reason: 'payment_timeout' }),
    )
  await pipeline.exec()
  return due.length
}
