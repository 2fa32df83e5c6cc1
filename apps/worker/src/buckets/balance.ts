import { flashSales, stockTransfers } from '@flash/db'
import { bucketPartition, offerKeys } from '@flash/redis'
import { and, gt, inArray, lte, sql } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'
import { type BucketView, planMoves } from './plan.ts'
import { withStockLock } from './stock-lock.ts'
import { resumeTransfers, runTransfer } from './transfer.ts'

export type BalanceReport = {
  /** Bucketed sales looked at. */
  sales: number
  /** Transfers that ended this tick ('done' or 'void'), left over from before or planned now. */
  done: number
  voided: number
  /** Units moved by transfers planned and done this tick. */
  units: number
  /** Transfers still unfinished (a partition recovering or not answering): the next tick goes on. */
  unfinished: number
}

/**
 * One tick of the balancer (every BUCKET_BALANCE_MS, in the worker that runs
 * the schedules), under the lock reconciliation also takes:
 *   1. finishes or voids the transfers left unfinished (`resumeTransfers`);
 *   2. for each open sale split into buckets (startsAt <= now < endsAt):
 *      reads every bucket's stock and `wants` (one call each: the buckets
 *      are in different slots), plans the transfers (`planMoves`: the rule
 *      is there) and runs each one; a sale with a transfer still unfinished
 *      is not planned again until it is over, nor one a bucket of which has
 *      no stock counter (not published yet, or being rebuilt);
 *   3. takes away the `wants` it read (HINCRBY -n: those asked since stay);
 *   4. sets every bucket's `elsewhere` to the units in the sale's other
 *      buckets as read after the moves, plus the units of its transfers
 *      still on their way, so a bucket answers SoldOut only once nothing is
 *      left anywhere.
 *
 * @example
 * await balanceSales(ctx, new Date()) // { sales: 1, done: 2, voided: 0, units: 34, unfinished: 0 }
 */
export function balanceSales(ctx: WorkerContext, now: Date): Promise<BalanceReport> {
  return withStockLock(ctx.db, async () => {
    const report: BalanceReport = { sales: 0, done: 0, voided: 0, units: 0, unfinished: 0 }
    const resumed = await resumeTransfers(ctx)
    count(
      report,
      resumed.map((t) => t.state),
    )
    const busy = new Set(resumed.filter((t) => !ended(t.state)).map((t) => t.saleId))
    const sales = await openBucketedSales(ctx, now)
    for (const sale of sales) {
      report.sales++
      try {
        await balanceSale(ctx, sale, busy.has(sale.id), report)
      } catch (error) {
        // A bucket's node down: this sale waits for the next tick, the others go on.
        ctx.log(`[balance] sale ${sale.id}: ${String(error)}`)
      }
    }
    const inTransit = await unitsInTransit(ctx)
    for (const sale of sales)
      await setElsewhere(ctx, sale.id, sale.buckets, inTransit.get(sale.id) ?? 0).catch((error) =>
        ctx.log(`[balance] sale ${sale.id}: elsewhere not set: ${String(error)}`),
      )
    return report
  })
}

/** Plans and runs one sale's transfers (none while one of its own is unfinished), then takes away the `wants` read. */
async function balanceSale(
  ctx: WorkerContext,
  sale: { id: string; buckets: number },
  busy: boolean,
  report: BalanceReport,
) {
  const views = await readBuckets(ctx, sale.id, sale.buckets)
  if (!views) return
  if (!busy)
    for (const move of planMoves(views)) {
      const state = await runTransfer(ctx, {
        saleId: sale.id,
        fromBucket: move.from,
        toBucket: move.to,
        units: move.units,
      })
      if (state === null) continue
      count(report, [state])
      if (state === 'done') report.units += move.units
    }
  await takeAwayWants(ctx, sale.id, views)
}

/**
 * The open sales split into buckets: the ones the balancer looks after.
 *
 * @example
 * await openBucketedSales(ctx, new Date()) // [{ id, buckets: 3 }]
 */
export function openBucketedSales(ctx: WorkerContext, now: Date) {
  return ctx.db
    .select({ id: flashSales.id, buckets: flashSales.buckets })
    .from(flashSales)
    .where(
      and(gt(flashSales.buckets, 1), lte(flashSales.startsAt, now), gt(flashSales.endsAt, now)),
    )
}

/** Each bucket's stock and `wants`; null when a bucket has no stock counter. */
async function readBuckets(
  ctx: WorkerContext,
  saleId: string,
  buckets: number,
): Promise<BucketView[] | null> {
  const views = await Promise.all(
    bucketKeys(ctx, saleId, buckets).map(async (keys) => {
      const [stock, wants] = await Promise.all([
        ctx.redis.get(keys.stock),
        ctx.redis.hget(keys.meta, 'wants'),
      ])
      return stock === null ? null : { stock: Number(stock), wants: Number(wants ?? 0) }
    }),
  )
  return views.every((view) => view !== null) ? views : null
}

/** The demand read is answered by this tick's plan; what buyers asked since stays for the next. */
async function takeAwayWants(ctx: WorkerContext, saleId: string, views: BucketView[]) {
  const keys = bucketKeys(ctx, saleId, views.length)
  await Promise.all(
    views.map((view, bucket) =>
      view.wants > 0 ? ctx.redis.hincrby(keys[bucket]?.meta ?? '', 'wants', -view.wants) : null,
    ),
  )
}

/**
 * Tells each bucket how many units the others hold. Written only when every
 * bucket has its stock counter: an HSET on a bucket not published (or being
 * rebuilt) would make a meta hash of one field, which is not an offer.
 */
async function setElsewhere(
  ctx: WorkerContext,
  saleId: string,
  buckets: number,
  inTransit: number,
) {
  const keys = bucketKeys(ctx, saleId, buckets)
  const raws = await Promise.all(keys.map((k) => ctx.redis.get(k.stock)))
  if (raws.some((raw) => raw === null)) return
  const stocks = raws.map((raw) => Math.max(0, Number(raw)))
  const total = stocks.reduce((sum, n) => sum + n, 0)
  await Promise.all(
    keys.map((k, bucket) =>
      ctx.redis.hset(k.meta, 'elsewhere', total - (stocks[bucket] ?? 0) + inTransit),
    ),
  )
}

/** Units of transfers not over yet, by sale: they belong to one bucket or another, whichever way it ends. */
async function unitsInTransit(ctx: WorkerContext): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({ saleId: stockTransfers.saleId, units: sql<string>`sum(${stockTransfers.units})` })
    .from(stockTransfers)
    .where(inArray(stockTransfers.state, ['taking', 'moved']))
    .groupBy(stockTransfers.saleId)
  return new Map(rows.map((row) => [row.saleId, Number(row.units)]))
}

function bucketKeys(ctx: WorkerContext, saleId: string, buckets: number) {
  return Array.from({ length: buckets }, (_, bucket) =>
    offerKeys(ctx.space, { kind: 'sale', id: saleId }, bucketPartition(ctx.space, saleId, bucket)),
  )
}

function ended(state: string): boolean {
  return state === 'done' || state === 'void'
}

function count(report: BalanceReport, states: readonly string[]) {
  for (const state of states)
    if (state === 'done') report.done++
    else if (state === 'void') report.voided++
    else report.unfinished++
}
