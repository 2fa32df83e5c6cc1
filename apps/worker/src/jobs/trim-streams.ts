import { streamKey } from '@flash/redis'
import { trimAcknowledged } from '@flash/streams'
import type { WorkerContext } from '../context.ts'

/** Every stream the worker's groups read; the dead-letter stream is kept whole for people to read. */
const STREAMS = ['orders', 'payments', 'rollbacks', 'shipping', 'emails']

/**
 * Keeps the streams from growing without end: each is trimmed below the
 * oldest entry any of its groups has not acknowledged, so nothing still to be
 * handled is ever dropped.
 *
 * @example
 * await trimStreams(ctx) // entries removed
 */
export async function trimStreams(ctx: WorkerContext): Promise<number> {
  let removed = 0
  for (let partition = 0; partition < ctx.space.partitions; partition++)
    for (const name of STREAMS)
      removed += await trimAcknowledged(ctx.redis, streamKey(ctx.space, partition, name))
  return removed
}
