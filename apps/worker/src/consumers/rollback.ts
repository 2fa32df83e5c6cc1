import { onlyOf, type RollbackRequested } from '@flash/contracts'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { FAIL, moveOrders } from '../order-moves.ts'
import { isTransientError } from '../transient.ts'

export const ROLLBACK_GROUP = 'rollback'

/**
 * Fails orders whose payment did not come in time and gives their units back
 * to stock and their buyers' slots back. Exactly once per order: the move
 * from pending to failed happens once, whoever asks and however often (the
 * payment consumer failing a decline may race it). A cancelled or paid order
 * is left alone. The batch moves in one round trip (`moveOrders`). A charge
 * that lands after the failure is refunded (payment and refund consumers).
 *
 * @example
 * await rollBack(ctx, [{ type: 'rollback.requested', orderId, reason: 'payment_timeout' }])
 */
export async function rollBack(ctx: WorkerContext, events: RollbackRequested[]): Promise<void> {
  const moved = await moveOrders(
    ctx,
    events.map((event) => ({ orderId: event.orderId, move: FAIL })),
  )
  for (const [i, event] of events.entries())
    if (moved[i] === 'Moved')
      ctx.log(`[rollback] order ${event.orderId} failed (${event.reason}); stock restored`)
}

/**
 * @example
 * startRollback(ctx, { stream, consumer: 'worker-1', deadLetterStream })
 */
export function startRollback(
  ctx: WorkerContext,
  options: Omit<ConsumerOptions<RollbackRequested>, 'group' | 'decode' | 'handle' | 'redis'>,
) {
  return startConsumer<RollbackRequested>({
    ...options,
    isTransient: isTransientError,
    redis: ctx.redis,
    group: ROLLBACK_GROUP,
    decode: onlyOf('rollback.requested'),
    handle: (batch) =>
      ResultAsync.fromPromise(
        rollBack(
          ctx,
          batch.map(({ event }) => event),
        ),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
