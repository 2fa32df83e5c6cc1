import { flashSales } from '@flash/db'
import type { Db } from '@flash/db/client'
import { gte } from 'drizzle-orm'

const WEEK_MS = 7 * 86_400_000

/**
 * The sales whose stock the jobs still look after: those that have not ended
 * or ended within `lookbackMs`, since returns put units back days after a
 * sale closes.
 *
 * @example
 * await recentSales(ctx.db, new Date()) // [{ id, quantity, remaining, buckets }]
 */
export function recentSales(db: Db, now: Date, lookbackMs = WEEK_MS) {
  return db
    .select({
      id: flashSales.id,
      quantity: flashSales.quantity,
      remaining: flashSales.remaining,
      buckets: flashSales.buckets,
    })
    .from(flashSales)
    .where(gte(flashSales.endsAt, new Date(now.getTime() - lookbackMs)))
}
