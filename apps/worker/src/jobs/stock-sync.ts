import { flashSales } from '@flash/db'
import { readOfferState } from '@flash/redis'
import { eq } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'
import { recentSales } from './recent-sales.ts'

/**
 * Writes each recent sale's live Redis stock back to MySQL (`remaining`), so
 * the record and reports stay close to the truth without touching the hot
 * path. A sale split into buckets writes the sum of its buckets (units on
 * their way between two of them not counted until they arrive).
 *
 * @example
 * await syncStock(ctx, new Date()) // number of sales written
 */
export async function syncStock(ctx: WorkerContext, now: Date): Promise<number> {
  const sales = await recentSales(ctx.db, now)
  if (sales.length === 0) return 0
  // One GET per sale (per bucket) rather than MGET: the keys may sit in different Cluster slots.
  const live = await Promise.all(
    sales.map((sale) =>
      readOfferState(ctx.redis, ctx.space, { kind: 'sale', id: sale.id }, sale.buckets),
    ),
  )
  let written = 0
  for (const [i, sale] of sales.entries()) {
    const remaining = live[i]?.remaining
    if (remaining === undefined || remaining === sale.remaining) continue
    await ctx.db.update(flashSales).set({ remaining }).where(eq(flashSales.id, sale.id))
    written++
  }
  return written
}
