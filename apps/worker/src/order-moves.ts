import { orders } from '@flash/db'
import {
  findOrderState,
  type OrderState,
  type TransitionOutcome,
  transitionOrder,
} from '@flash/redis'
import { and, eq } from 'drizzle-orm'
import type { WorkerContext } from './context.ts'

const FINISHED = new Set(['cancelled', 'failed', 'returned'])

export type Move = {
  from: readonly string[]
  to: string
  /** Give the units back to stock (failure, return). */
  restore: boolean
}

export type MoveResult = TransitionOutcome['type'] | 'NotAllowed' | 'NoSuchOrder'

/**
 * Moves an order on the worker's behalf. While the order's live state is in
 * Redis the move is transition-4.lua (atomic against a racing cancel, stock
 * restored at most once) and MySQL follows through the orders stream. An
 * order whose live state has expired is moved in MySQL alone, with a
 * conditional update; it can no longer restore stock there (the sale is long
 * over), and says so in the log.
 *
 * @example
 * await moveOrder(ctx, orderId, { from: ['paid'], to: 'shipping', restore: false })
 */
export async function moveOrder(
  ctx: WorkerContext,
  orderId: string,
  move: Move,
  /** The live state the caller already read, to save a round trip; the script re-checks it anyway. */
  known?: OrderState | null,
): Promise<MoveResult> {
  const state = known === undefined ? await findOrderState(ctx.redis, ctx.space, orderId) : known
  if (state) {
    const result = await transitionOrder(ctx.redis, ctx.space, state, {
      userId: null,
      from: move.from,
      to: move.to,
      restore: move.restore,
      ttlSeconds: FINISHED.has(move.to) ? ctx.finishedOrderTtlSeconds : ctx.orderStateTtlSeconds,
    })
    if (result.isOk()) return result.value.type
    if (result.error.type === 'RedisUnavailable') throw result.error.cause
    return result.error.type === 'NoSuchOrder' ? 'NoSuchOrder' : 'NotAllowed'
  }
  for (const from of move.from) {
    const [header] = await ctx.db
      .update(orders)
      .set({ status: move.to as typeof orders.$inferInsert.status, updatedAt: new Date() })
      .where(
        and(eq(orders.id, orderId), eq(orders.status, from as typeof orders.$inferInsert.status)),
      )
    if (header.affectedRows === 1) {
      if (move.restore)
        ctx.log(
          `[worker] order ${orderId} moved to ${move.to} after its live state expired; stock not restored`,
        )
      return 'Moved'
    }
  }
  return 'NotAllowed'
}
