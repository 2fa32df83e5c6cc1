import { flashSales } from '@flash/db'
import { offerKeys } from '@flash/redis'
import { eq } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'
import { recentSales } from './recent-sales.ts'

/**
 * Writes each recent sale's live Redis stock back to MySQL (`remaining`), so
 * the record and reports stay close to the truth without touching the hot path.
 *
 * @example
 * await syncStock(ctx, new Date()) // number of sales written
 */
export async function syncStock(ctx: WorkerContext, now: Date): Promise<number> {
  const sales = await recentSales(ctx.db, now)
  if (sales.length === 0) return 0
  // One GET per sale rather than MGET: the keys may sit in different Cluster slots.
  const live = await Promise.all(
    sales.map((sale) => ctx.redis.get(offerKeys(ctx.space, { kind: 'sale', id: sale.id }).stock)),
  )
  let written = 0
  for (const [i, sale] of sales.entries()) {
    const value = live[i]
    if (value === null || value === undefined || Number(value) === sale.remaining) continue
    await ctx.db
      .update(flashSales)
      .set({ remaining: Math.max(0, Number(value)) })
      .where(eq(flashSales.id, sale.id))
    written++
  }
  return written
}
