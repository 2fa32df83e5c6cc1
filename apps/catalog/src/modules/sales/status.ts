import { flashSales } from '@flash/db'
import { and, gt, lte, type SQL } from 'drizzle-orm'

/** What `GET /sales?status=` filters on: the sale's window only. */
export const windowFilters = ['upcoming', 'live', 'ended'] as const
export type WindowFilter = (typeof windowFilters)[number]

/**
 * A sale's status as shown to clients: the window's three, plus `sold_out`
 * for a live window with nothing left. `?status=live` still lists sold-out
 * sales: the window is what the database knows, the count lives in Redis.
 */
export type SaleStatus = WindowFilter | 'sold_out'

type Window = { startsAt: Date; endsAt: Date }

/**
 * The window is half-open, [startsAt, endsAt), like the reserve script's.
 *
 * @example
 * saleStatus({ startsAt, endsAt }, 0, new Date()) // 'sold_out' inside the window
 */
export function saleStatus(window: Window, remaining: number, now: Date): SaleStatus {
  if (now < window.startsAt) return 'upcoming'
  if (now >= window.endsAt) return 'ended'
  return remaining > 0 ? 'live' : 'sold_out'
}

/**
 * The SQL condition matching `saleStatus`'s window, for list filters.
 *
 * @example
 * db.select().from(flashSales).where(windowCondition('live', new Date()))
 */
export function windowCondition(filter: WindowFilter, now: Date): SQL | undefined {
  switch (filter) {
    case 'upcoming':
      return gt(flashSales.startsAt, now)
    case 'live':
      return and(lte(flashSales.startsAt, now), gt(flashSales.endsAt, now))
    case 'ended':
      return lte(flashSales.endsAt, now)
  }
}
