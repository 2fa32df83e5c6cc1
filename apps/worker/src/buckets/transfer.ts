import { saleBuckets, stockTransfers, type TransferState } from '@flash/db'
import {
  bucketPartition,
  type GiveOutcome,
  giveUnits,
  readGeneration,
  type TakeMode,
  type TakeOutcome,
  TRANSFER_MARKER_TTL_SECONDS,
  type TransferLeg,
  takeUnits,
} from '@flash/redis'
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { WorkerContext } from '../context.ts'

/** Units to move from one bucket of a sale to another, as the balancer plans them. */
export type TransferPlan = { saleId: string; fromBucket: number; toBucket: number; units: number }

/** A transfer as stock_transfers records it. */
export type Transfer = TransferPlan & { id: string; state: TransferState }

/**
 * Moves units between two buckets of a sale, MySQL the arbiter, in five
 * steps (stock_transfers in packages/db/src/schema.ts):
 *   1. record it ('taking'),
 *   2. take the units out of the giving bucket in Redis (take-units.lua),
 *   3. record the move of both allotments ('moved') or the void,
 *   4. give the units to the receiving bucket in Redis (give-units.lua),
 *   5. record it done.
 * Each Redis step happens once per transfer id and each MySQL step is a
 * conditional UPDATE, so a transfer stopped after any step is finished or
 * voided by `resumeTransfers` with no unit lost or counted twice. A step
 * refused because a partition is recovering leaves the transfer where it is,
 * for the next tick. Answers the state it stopped in, or null when the
 * giving partition is not current (nothing was recorded).
 *
 * @example
 * await runTransfer(ctx, { saleId, fromBucket: 0, toBucket: 2, units: 30 }) // 'done'
 */
export async function runTransfer(
  ctx: WorkerContext,
  plan: TransferPlan,
): Promise<TransferState | null> {
  const begun = await recordTransfer(ctx, plan)
  if (!begun) return null
  const taken = await takeStep(ctx, begun.transfer, {
    mode: 'take',
    generation: begun.generation,
  })
  return afterTake(ctx, begun.transfer, taken)
}

/**
 * Finishes or voids every transfer left in 'taking' or 'moved' (a crash, a
 * timeout, a partition that was recovering): a 'taking' one is taken in
 * void mode (it learns whether the take happened, and forbids a late one)
 * and goes on from step 3; a 'moved' one from step 4. Answers each
 * transfer's state afterwards ('taking' or 'moved' again when a partition
 * still refuses or does not answer).
 *
 * @example
 * await resumeTransfers(ctx) // [{ id, saleId, ..., state: 'done' }]
 */
export async function resumeTransfers(ctx: WorkerContext): Promise<Transfer[]> {
  const unfinished = await ctx.db
    .select()
    .from(stockTransfers)
    .where(inArray(stockTransfers.state, ['taking', 'moved']))
  const after: Transfer[] = []
  for (const row of unfinished) {
    const transfer = transferOf(row)
    try {
      const state =
        transfer.state === 'taking'
          ? await afterTake(ctx, transfer, await takeStep(ctx, transfer, { mode: 'void' }))
          : await afterMove(ctx, transfer)
      after.push({ ...transfer, state })
    } catch (error) {
      // One bucket's node down must not hold up the others' transfers: this one waits for the next tick.
      ctx.log(`[balance] transfer ${transfer.id} left ${transfer.state}: ${String(error)}`)
      after.push(transfer)
    }
  }
  return after
}

/**
 * Step 1: records the transfer as 'taking', after reading the giving
 * partition's generation (null, and nothing recorded, when it is not
 * current). The take must happen under that very generation: a recovery
 * after this point may void the transfer in MySQL (its rebuild counts the
 * units in the giving bucket again), and take-units.lua then refuses.
 *
 * @example
 * const begun = await recordTransfer(ctx, plan) // { transfer, generation }
 */
export async function recordTransfer(
  ctx: WorkerContext,
  plan: TransferPlan,
): Promise<{ transfer: Transfer; generation: string } | null> {
  if (plan.units <= 0) throw new Error('a transfer moves at least one unit')
  const from = bucketPartition(ctx.space, plan.saleId, plan.fromBucket)
  const generation = await readGeneration(ctx.redis, ctx.space, from)
  if (generation.state !== 'current' || !generation.marker) return null
  const transfer: Transfer = { ...plan, id: Bun.randomUUIDv7(), state: 'taking' }
  const now = new Date()
  await ctx.db.insert(stockTransfers).values({ ...transfer, createdAt: now, updatedAt: now })
  return { transfer, generation: generation.marker }
}

/**
 * Step 2: take-units.lua on the giving bucket.
 *
 * @example
 * await takeStep(ctx, transfer, { mode: 'void' }) // { type: 'Void', remaining: 3 }
 */
export function takeStep(
  ctx: WorkerContext,
  transfer: Transfer,
  how: TakeMode,
): Promise<TakeOutcome> {
  return takeUnits(
    ctx.redis,
    ctx.space,
    leg(ctx, transfer, transfer.fromBucket),
    how,
    TRANSFER_MARKER_TTL_SECONDS,
  )
}

/**
 * Step 3, after a take: Taken moves both allotments in the transaction that
 * marks the transfer 'moved' (only if it is still 'taking': a recovery of
 * the giving partition that voided it meanwhile put the units back there by
 * its rebuild, and the transfer is over); Void marks it 'void'; Recovering
 * changes nothing. Answers the transfer's state in MySQL afterwards.
 *
 * @example
 * await recordTake(ctx, transfer, { type: 'Taken', remaining: 12 }) // 'moved'
 */
export async function recordTake(
  ctx: WorkerContext,
  transfer: Transfer,
  taken: TakeOutcome,
): Promise<TransferState> {
  // Left for a later tick, unless a recovery of the giving partition voided it already.
  if (taken.type === 'Recovering') return stateOf(ctx, transfer.id)
  if (taken.type === 'Void') {
    await ctx.db
      .update(stockTransfers)
      .set({ state: 'void', updatedAt: new Date() })
      .where(and(eq(stockTransfers.id, transfer.id), eq(stockTransfers.state, 'taking')))
    return stateOf(ctx, transfer.id)
  }
  const moved = await ctx.db.transaction(async (tx) => {
    const [header] = await tx
      .update(stockTransfers)
      .set({ state: 'moved', updatedAt: new Date() })
      .where(and(eq(stockTransfers.id, transfer.id), eq(stockTransfers.state, 'taking')))
    if (header.affectedRows !== 1) return false
    await tx
      .update(saleBuckets)
      .set({ allotment: sql`${saleBuckets.allotment} - ${transfer.units}` })
      .where(
        and(eq(saleBuckets.saleId, transfer.saleId), eq(saleBuckets.bucket, transfer.fromBucket)),
      )
    await tx
      .update(saleBuckets)
      .set({ allotment: sql`${saleBuckets.allotment} + ${transfer.units}` })
      .where(
        and(eq(saleBuckets.saleId, transfer.saleId), eq(saleBuckets.bucket, transfer.toBucket)),
      )
    return true
  })
  if (moved) return 'moved'
  const state = await stateOf(ctx, transfer.id)
  if (state === 'void')
    ctx.log(
      `[balance] transfer ${transfer.id} of sale ${transfer.saleId}: taken in Redis, but a recovery of bucket ${transfer.fromBucket}'s partition voided it first; its rebuild holds the units`,
    )
  return state
}

/**
 * Step 4: give-units.lua on the receiving bucket.
 *
 * @example
 * await giveStep(ctx, transfer) // { type: 'Given', remaining: 30 }
 */
export function giveStep(ctx: WorkerContext, transfer: Transfer): Promise<GiveOutcome> {
  return giveUnits(
    ctx.redis,
    ctx.space,
    leg(ctx, transfer, transfer.toBucket),
    TRANSFER_MARKER_TTL_SECONDS,
  )
}

/**
 * Step 5: the receiving bucket holds the units; the transfer is done.
 *
 * @example
 * await finishTransfer(ctx, transfer) // 'done'
 */
export async function finishTransfer(
  ctx: WorkerContext,
  transfer: Transfer,
): Promise<TransferState> {
  await ctx.db
    .update(stockTransfers)
    .set({ state: 'done', updatedAt: new Date() })
    .where(and(eq(stockTransfers.id, transfer.id), eq(stockTransfers.state, 'moved')))
  return stateOf(ctx, transfer.id)
}

/** Steps 3 to 5 once the take answered. */
async function afterTake(
  ctx: WorkerContext,
  transfer: Transfer,
  taken: TakeOutcome,
): Promise<TransferState> {
  const state = await recordTake(ctx, transfer, taken)
  return state === 'moved' ? afterMove(ctx, transfer) : state
}

/** Steps 4 and 5; 'moved' still while the receiving partition is recovering. */
async function afterMove(ctx: WorkerContext, transfer: Transfer): Promise<TransferState> {
  const given = await giveStep(ctx, transfer)
  if (given.type === 'Recovering') return 'moved'
  return finishTransfer(ctx, transfer)
}

function leg(ctx: WorkerContext, transfer: Transfer, bucket: number): TransferLeg {
  return {
    transferId: transfer.id,
    saleId: transfer.saleId,
    partition: bucketPartition(ctx.space, transfer.saleId, bucket),
    units: transfer.units,
  }
}

async function stateOf(ctx: WorkerContext, id: string): Promise<TransferState> {
  const [row] = await ctx.db
    .select({ state: stockTransfers.state })
    .from(stockTransfers)
    .where(eq(stockTransfers.id, id))
  if (!row) throw new Error(`no stock transfer ${id}`)
  return row.state
}

function transferOf(row: typeof stockTransfers.$inferSelect): Transfer {
  return {
    id: row.id,
    saleId: row.saleId,
    fromBucket: row.fromBucket,
    toBucket: row.toBucket,
    units: row.units,
    state: row.state,
  }
}
