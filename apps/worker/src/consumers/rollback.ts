import { onlyOf, type RollbackRequested } from '@flash/contracts'
import { type ConsumerOptions, startConsumer } from '@flash/streams'
import { ResultAsync } from 'neverthrow'
import type { WorkerContext } from '../context.ts'
import { moveOrder } from '../order-moves.ts'
import { isTransientError } from '../transient.ts'

export const ROLLBACK_GROUP = 'rollback'

/**
 * Fails an order that could not be paid and gives its units back to stock
 * and its buyer's slot back. Exactly once per order: the move from pending to
 * failed happens once, whoever asks and however often (a decline and the
 * payment timeout may both ask). A cancelled or paid order is left alone.
 *
 * @example
 * await rollBack(ctx, { type: 'rollback.requested', orderId, reason: 'declined' })
 */
export async function rollBack(ctx: WorkerContext, event: RollbackRequested): Promise<void> {
  const moved = await moveOrder(ctx, event.orderId, {
    from: ['pending'],
    to: 'failed',
    restore: true,
  })
  if (moved === 'Moved')
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
        // Each rollback is one atomic script on its own order: they can run side by side.
        Promise.all(batch.map(({ event }) => rollBack(ctx, event))).then(() => undefined),
        (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      ),
  })
}
