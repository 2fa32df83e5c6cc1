import { releasedStatuses } from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import { offerKeys, repairLiveStock, streamKey } from '@flash/redis'
import { and, eq, notInArray, sql } from 'drizzle-orm'
import { ORDER_WRITER_GROUP } from '../consumers/order-writer.ts'
import type { WorkerContext } from '../context.ts'
import { recentSales } from './recent-sales.ts'

export type ReconcileReport = { checked: number; repaired: number; inFlight: number }

/**
 * For every recent sale: Redis stock + units held by live orders must equal
 * the sale's quantity, MySQL being the record of the orders. Drift is logged
 * and repaired. It never judges against events still in flight: it reads the
 * last entry of the partition's orders stream first (the watermark), goes on
 * only if the order-writer has applied everything up to it, and the repair
 * itself (repair-stock.lua) writes only if no event arrived since. Running
 * it twice changes nothing the second time.
 *
 * @example
 * await reconcileSales(ctx, new Date()) // { checked: 3, repaired: 0, inFlight: 1 }
 */
export async function reconcileSales(ctx: WorkerContext, now: Date): Promise<ReconcileReport> {
  const sales = await recentSales(ctx.db, now)
  const report: ReconcileReport = { checked: 0, repaired: 0, inFlight: 0 }
  for (const sale of sales) {
    const keys = offerKeys(ctx.space, { kind: 'sale', id: sale.id })
    const stream = streamKey(ctx.space, keys.partition, 'orders')
    const watermark = await lastEntryId(ctx, stream)
    if (!(await writerCaughtUp(ctx, stream, watermark))) {
      report.inFlight++
      continue
    }
    const [held] = await ctx.db
      .select({ units: sql<string>`coalesce(sum(${orderItems.quantity}), 0)` })
      .from(orders)
      .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
      .where(and(eq(orders.saleId, sale.id), notInArray(orders.status, [...releasedStatuses])))
    const expected = sale.quantity - Number(held?.units ?? 0)
    const repair = await repairLiveStock(ctx.redis, keys.stock, stream, expected, watermark)
    report.checked++
    if (repair.type === 'EventsArrived') report.inFlight++
    if (repair.type === 'Repaired') {
      report.repaired++
      ctx.log(
        `[reconcile] sale ${sale.id}: Redis stock was ${repair.before}, the record says ${expected}; repaired`,
      )
    }
  }
  return report
}

async function lastEntryId(ctx: WorkerContext, stream: string): Promise<string> {
  const last = (await ctx.redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][]
  return last[0]?.[0] ?? ''
}

/** The order-writer has read everything up to `watermark` and acknowledged all of it. */
async function writerCaughtUp(
  ctx: WorkerContext,
  stream: string,
  watermark: string,
): Promise<boolean> {
  if (watermark === '') return true
  const groups = (await ctx.redis.xinfo('GROUPS', stream).catch(() => [])) as (string | number)[][]
  for (const flat of groups) {
    const info = new Map<string, string | number>()
    for (let i = 0; i + 1 < flat.length; i += 2)
      info.set(String(flat[i]), flat[i + 1] as string | number)
    if (info.get('name') !== ORDER_WRITER_GROUP) continue
    return info.get('last-delivered-id') === watermark && Number(info.get('pending')) === 0
  }
  return false
}
