import { type OrderStatus, releasesUnits } from '@flash/contracts'
import { orders } from '@flash/db'
import {
  findOrderState,
  findOrderStates,
  type Generation,
  type MoveOutcome,
  type MoveRequest,
  moveOrderState,
  moveOrderStates,
  type OrderState,
  RecoveringError,
  readGenerations,
  streamKey,
} from '@flash/redis'
import { holdEveryFence } from '@flash/redis/recovery'
import { and, eq, sql } from 'drizzle-orm'
import type { WorkerContext } from './context.ts'

export type Move = {
  from: readonly OrderStatus[]
  to: OrderStatus
  /** Give the units back to stock (failure, return). */
  restore: boolean
}

/** A payment that will never come (declined, timed out): the order fails and its units go back. */
export const FAIL: Move = { from: ['pending'], to: 'failed', restore: true }

/**
 * `Moved` and `AlreadyThere` as move-orders.lua answers them (a move with
 * `restore` gave the units back); `MovedInMysql` when the live state had
 * expired and the move happened in MySQL alone, with no units given back.
 */
export type MoveResult = MoveOutcome['type'] | 'MovedInMysql' | 'NotAllowed' | 'NoSuchOrder'

/**
 * Moves an order on the worker's behalf. While the order's live state is in
 * Redis the move is move-orders.lua (atomic against a racing cancel, stock
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
    const result = await moveOrderState(ctx.redis, ctx.space, state, requestOf(ctx, move))
    if (result.isOk()) return result.value.type
    if (result.error.type === 'RedisUnavailable') throw result.error.cause
    return result.error.type === 'NoSuchOrder' ? 'NoSuchOrder' : 'NotAllowed'
  }
  const captured = await stillExpired(ctx, [orderId])
  return moveInMysql(ctx, orderId, move, captured)
}

/**
 * `moveOrder` for a batch, with the same outcome per order: the live states
 * are read in one round trip (unless the caller passes them) and every order
 * that has one moves in one move-orders.lua call; an order whose
 * state has expired moves in MySQL alone, as `moveOrder` does.
 *
 * @example
 * const results = await moveOrders(ctx, [{ orderId, move: { from: ['pending'], to: 'failed', restore: true } }])
 */
export async function moveOrders(
  ctx: WorkerContext,
  items: readonly { orderId: string; move: Move; known?: OrderState | null }[],
): Promise<MoveResult[]> {
  const unknown = items.flatMap((item) => (item.known === undefined ? [item.orderId] : []))
  const found = await findOrderStates(ctx.redis, ctx.space, unknown)
  const states = items.map((item) =>
    item.known === undefined ? (found.get(item.orderId) ?? null) : item.known,
  )
  const live = items.flatMap((item, i) => {
    const state = states[i]
    return state ? [{ i, state, request: requestOf(ctx, item.move) }] : []
  })
  const moved = await moveOrderStates(ctx.redis, ctx.space, live)
  if (moved.isErr()) throw moved.error.cause
  const results: MoveResult[] = []
  live.forEach(({ i }, n) => {
    const result = moved.value[n]
    if (!result) throw new Error(`no move result for order ${items[i]?.orderId}`)
    results[i] = result.isOk()
      ? result.value.type
      : result.error.type === 'NoSuchOrder'
        ? 'NoSuchOrder'
        : 'NotAllowed'
  })
  // Expired live states: one conditional UPDATE each, as rare as they are.
  const expired = items.filter((_, i) => !states[i])
  if (expired.length === 0) return results
  const captured = await stillExpired(
    ctx,
    expired.map((item) => item.orderId),
  )
  for (const [i, item] of items.entries())
    if (!states[i]) results[i] = await moveInMysql(ctx, item.orderId, item.move, captured)
  return results
}

/**
 * The partitions' generations, once the orders' live states are known to be
 * gone for good: read first, then the states again, so that a recovery that
 * wrote them back in between is seen (the batch is then retried, and moves
 * in Redis). `moveInMysql` holds the fences and checks these generations, so
 * a recovery that comes after cannot miss its update either.
 */
async function stillExpired(ctx: WorkerContext, orderIds: string[]): Promise<Generation[]> {
  const captured = await readGenerations(ctx.redis, ctx.space)
  if (captured.some((generation) => generation.state !== 'current')) throw new RecoveringError(null)
  if ((await findOrderStates(ctx.redis, ctx.space, orderIds)).size > 0)
    throw new RecoveringError(null)
  return captured
}

function requestOf(ctx: WorkerContext, move: Move): MoveRequest {
  return {
    userId: null,
    from: move.from,
    to: move.to,
    restore: move.restore,
    ttlSeconds: releasesUnits(move.to) ? ctx.finishedOrderTtlSeconds : ctx.orderStateTtlSeconds,
  }
}

/**
 * A move once the live state has expired: a conditional UPDATE, no stock to
 * give back any more. It counts as a change of the order like any move in
 * Redis (seq + 1), so an order event still on its way, which carries a
 * lower seq, cannot take the row back. It holds the partitions' fences
 * (`holdEveryFence`): a Redis recovery reads MySQL either after it or not
 * at all meanwhile, and one that ran since `captured` refuses it.
 */
async function moveInMysql(
  ctx: WorkerContext,
  orderId: string,
  move: Move,
  captured: readonly Generation[],
): Promise<MoveResult> {
  const moved = await ctx.db.transaction(async (tx) => {
    await holdEveryFence(tx, ctx.redis, ctx.space, captured, (p) =>
      streamKey(ctx.space, p, 'orders'),
    )
    for (const from of move.from) {
      const [header] = await tx
        .update(orders)
        .set({ status: move.to, updatedAt: new Date(), seq: sql`${orders.seq} + 1` })
        .where(and(eq(orders.id, orderId), eq(orders.status, from)))
      if (header.affectedRows === 1) return true
    }
    return false
  })
  if (!moved) return 'NotAllowed'
  if (move.restore)
    ctx.log(
      `[worker] order ${orderId} moved to ${move.to} after its live state expired; stock not restored`,
    )
  return 'MovedInMysql'
}
