import { releasedStatuses } from '@flash/contracts'
import { orderItems, orders, saleBuckets, stockTransfers } from '@flash/db'
import {
  bucketPartition,
  buyerBucket,
  type OfferKeys,
  offerKeys,
  repairLiveStock,
  streamKey,
} from '@flash/redis'
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm'
import { withStockLock } from '../buckets/stock-lock.ts'
import { ORDER_WRITER_GROUP } from '../consumers/order-writer.ts'
import type { WorkerContext } from '../context.ts'
import { recentSales } from './recent-sales.ts'

/** `checked` counts stock counters: one per sale, one per bucket of a split sale. */
export type ReconcileReport = { checked: number; repaired: number; inFlight: number }

/**
 * For every recent sale: Redis stock + units held by live orders must equal
 * the sale's quantity, MySQL being the record of the orders; for a sale
 * split into buckets, each bucket's stock must equal its allotment
 * (sale_buckets) minus the units held by the orders of the buyers it serves
 * (`buyerBucket`). Drift is logged and repaired. It never judges against
 * events still in flight: it reads the last entry of the (bucket's)
 * partition's orders stream first (the watermark), goes on only if the
 * order-writer has applied everything up to it, and the repair itself
 * (repair-stock.lua) writes only if no event arrived since. A transfer's
 * take and give write to no stream, so it runs under the balancer's lock
 * (`withStockLock`) and leaves alone a sale with a transfer not over
 * ('taking' or 'moved'): the record does not say yet where those units are.
 * Running it twice changes nothing the second time.
 *
 * @example
 * await reconcileSales(ctx, new Date()) // { checked: 3, repaired: 0, inFlight: 1 }
 */
export function reconcileSales(ctx: WorkerContext, now: Date): Promise<ReconcileReport> {
  return withStockLock(ctx.db, async () => {
    const sales = await recentSales(ctx.db, now)
    const report: ReconcileReport = { checked: 0, repaired: 0, inFlight: 0 }
    for (const sale of sales)
      if (sale.buckets > 1) await reconcileBuckets(ctx, sale, report)
      else await reconcileWhole(ctx, sale, report)
    return report
  })
}

async function reconcileWhole(
  ctx: WorkerContext,
  sale: { id: string; quantity: number },
  report: ReconcileReport,
) {
  const keys = offerKeys(ctx.space, { kind: 'sale', id: sale.id })
  const seen = await watermarkIfCaughtUp(ctx, keys)
  if (!seen) {
    report.inFlight++
    return
  }
  const [held] = await ctx.db
    .select({ units: sql<string>`coalesce(sum(${orderItems.quantity}), 0)` })
    .from(orders)
    .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
    .where(and(eq(orders.saleId, sale.id), notInArray(orders.status, [...releasedStatuses])))
  await repair(ctx, sale.id, keys, seen, sale.quantity - Number(held?.units ?? 0), report)
}

async function reconcileBuckets(
  ctx: WorkerContext,
  sale: { id: string; buckets: number },
  report: ReconcileReport,
) {
  const [moving] = await ctx.db
    .select({ id: stockTransfers.id })
    .from(stockTransfers)
    .where(
      and(eq(stockTransfers.saleId, sale.id), inArray(stockTransfers.state, ['taking', 'moved'])),
    )
    .limit(1)
  if (moving) {
    report.inFlight++
    return
  }
  // Every watermark before the record is read, as for a whole sale.
  const buckets = await Promise.all(
    Array.from({ length: sale.buckets }, async (_, bucket) => {
      const keys = offerKeys(
        ctx.space,
        { kind: 'sale', id: sale.id },
        bucketPartition(ctx.space, sale.id, bucket),
      )
      return { bucket, keys, seen: await watermarkIfCaughtUp(ctx, keys) }
    }),
  )
  const allotments = new Map(
    (
      await ctx.db
        .select({ bucket: saleBuckets.bucket, allotment: saleBuckets.allotment })
        .from(saleBuckets)
        .where(eq(saleBuckets.saleId, sale.id))
    ).map((row) => [row.bucket, row.allotment]),
  )
  const heldIn = new Map<number, number>()
  for (const [userId, units] of await heldByBuyer(ctx, sale.id)) {
    const bucket = buyerBucket(userId, sale.buckets)
    heldIn.set(bucket, (heldIn.get(bucket) ?? 0) + units)
  }
  for (const { bucket, keys, seen } of buckets) {
    const allotment = allotments.get(bucket)
    if (!seen || allotment === undefined) {
      report.inFlight++
      continue
    }
    const expected = allotment - (heldIn.get(bucket) ?? 0)
    await repair(ctx, `${sale.id} bucket ${bucket}`, keys, seen, expected, report)
  }
}

/** Units held by the sale's orders that still hold theirs, by buyer (a split sale's buckets serve buyers). */
async function heldByBuyer(ctx: WorkerContext, saleId: string): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({
      userId: orders.userId,
      units: sql<string>`coalesce(sum(${orderItems.quantity}), 0)`,
    })
    .from(orders)
    .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
    .where(and(eq(orders.saleId, saleId), notInArray(orders.status, [...releasedStatuses])))
    .groupBy(orders.userId)
  return new Map(rows.map((row) => [row.userId, Number(row.units)]))
}

async function repair(
  ctx: WorkerContext,
  what: string,
  keys: OfferKeys,
  seen: { stream: string; watermark: string },
  expected: number,
  report: ReconcileReport,
) {
  const result = await repairLiveStock(ctx.redis, keys.stock, seen.stream, expected, seen.watermark)
  report.checked++
  if (result.type === 'EventsArrived') report.inFlight++
  if (result.type === 'Repaired') {
    report.repaired++
    ctx.log(
      `[reconcile] sale ${what}: Redis stock was ${result.before}, the record says ${expected}; repaired`,
    )
  }
}

/** The partition's orders stream and its last entry, if the order-writer has applied all of it; null otherwise. */
async function watermarkIfCaughtUp(
  ctx: WorkerContext,
  keys: OfferKeys,
): Promise<{ stream: string; watermark: string } | null> {
  const stream = streamKey(ctx.space, keys.partition, 'orders')
  const watermark = await lastEntryId(ctx, stream)
  return (await writerCaughtUp(ctx, stream, watermark)) ? { stream, watermark } : null
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
