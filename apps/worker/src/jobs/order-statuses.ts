import type { OrderStatus } from '@flash/contracts'
import { orders } from '@flash/db'
import { and, asc, eq, lte } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'
import { type Move, moveOrder } from '../order-moves.ts'

const DAY_MS = 24 * 60 * 60 * 1000

export type StatusTimings = {
  /** paid -> shipping after this long (D+1). */
  shipAfterMs: number
  /** shipping -> delivered after this long (D+2 from payment). */
  deliverAfterMs: number
  /** return_requested -> returned after this long (D+1), units back in stock. */
  returnAfterMs: number
}

export const defaultTimings: StatusTimings = {
  shipAfterMs: DAY_MS,
  deliverAfterMs: DAY_MS,
  returnAfterMs: DAY_MS,
}

const STEPS: { from: OrderStatus; timing: keyof StatusTimings; move: Move }[] = [
  { from: 'paid', timing: 'shipAfterMs', move: { from: ['paid'], to: 'shipping', restore: false } },
  {
    from: 'shipping',
    timing: 'deliverAfterMs',
    move: { from: ['shipping'], to: 'delivered', restore: false },
  },
  {
    from: 'return_requested',
    timing: 'returnAfterMs',
    move: { from: ['return_requested'], to: 'returned', restore: true },
  },
]

/**
 * Moves every order whose current status is old enough to its next one:
 * paid -> shipping -> delivered, and return_requested -> returned (units back
 * in stock). `now` is a parameter so tests run days in a moment. Each move is
 * conditional, so a run that overlaps another, or repeats, changes nothing twice.
 *
 * @example
 * await advanceOrderStatuses(ctx, new Date(), defaultTimings) // { shipping: 3, delivered: 0, returned: 1 }
 */
export async function advanceOrderStatuses(
  ctx: WorkerContext,
  now: Date,
  timings: StatusTimings,
  batch = 500,
): Promise<Record<string, number>> {
  // Every step's due orders are read before any moves, so one run advances
  // an order one step at most (a move written back quickly cannot cascade).
  const due = await Promise.all(
    STEPS.map((step) =>
      ctx.db
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            eq(orders.status, step.from),
            lte(orders.updatedAt, new Date(now.getTime() - timings[step.timing])),
          ),
        )
        .orderBy(asc(orders.updatedAt))
        .limit(batch),
    ),
  )
  const moved: Record<string, number> = {}
  for (const [i, step] of STEPS.entries()) {
    let count = 0
    for (const { id } of due[i] ?? []) {
      const result = await moveOrder(ctx, id, step.move)
      if (result === 'Moved' || result === 'MovedInMysql') count++
    }
    moved[step.move.to] = count
  }
  return moved
}
