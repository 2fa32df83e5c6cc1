import { type EmailKind, type OrderEvent, parseOrderEvent, toFields } from '@flash/contracts'
import { toEntries } from '@flash/streams'
import type { ChainableCommander } from 'ioredis'
import type { WorkerContext } from '../context.ts'

/** Where the reactions to a status change go. */
export type ReactionStreams = { shippingStream: string; emailsStream: string }

/** Which status changes the buyer hears about. */
const EMAIL_ON: Partial<Record<string, EmailKind>> = {
  paid: 'order_paid',
  failed: 'order_failed',
  cancelled: 'order_cancelled',
  shipping: 'order_shipping',
  delivered: 'order_delivered',
  returned: 'order_returned',
}

/**
 * Queues what follows a status change on `pipeline`: a paid order is sent to
 * shipping, and the buyer gets an e-mail. The order-writer calls it once the
 * batch is in MySQL, so nobody hears of an order the database does not hold
 * yet. Duplicates are harmless: shipping and e-mail are idempotent by order
 * (and kind).
 *
 * @example
 * const pipeline = redis.pipeline()
 * addReactions(pipeline, event, { shippingStream, emailsStream })
 * await pipeline.exec()
 */
export function addReactions(
  pipeline: ChainableCommander,
  event: OrderEvent,
  streams: ReactionStreams,
): void {
  if (event.type !== 'order.status') return
  if (event.to === 'paid')
    pipeline.xadd(
      streams.shippingStream,
      '*',
      ...toFields({ type: 'shipping.requested', orderId: event.orderId }),
    )
  const kind = EMAIL_ON[event.to]
  if (kind)
    pipeline.xadd(
      streams.emailsStream,
      '*',
      ...toFields({
        type: 'email.requested',
        kind,
        key: `${kind}:${event.orderId}`,
        orderId: event.orderId,
      }),
    )
}

/**
 * The consumer group that reacted to status changes before the order-writer
 * took the job over. Reading the orders stream in a group of its own meant
 * decoding every entry twice, a sixth of the worker's CPU in the drain bench.
 */
export const RETIRED_REACTIONS_GROUP = 'reactions'

/**
 * Upgrades a stream written by an older worker: whatever the old reactions
 * group still owed (pending with any consumer, or never delivered) gets its
 * reactions now, and the group is destroyed, so it no longer holds back the
 * trimming of the stream. Does nothing where the group does not exist. Safe
 * to run from several workers at once: an entry handled twice only repeats
 * idempotent requests. Returns how many entries it handled.
 *
 * @example
 * await retireReactionsGroup(ctx, stream('orders'), { shippingStream, emailsStream })
 */
export async function retireReactionsGroup(
  ctx: WorkerContext,
  stream: string,
  streams: ReactionStreams,
): Promise<number> {
  const groups = (await ctx.redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][]
  if (!groups.some((fields) => fields[1] === RETIRED_REACTIONS_GROUP)) return 0
  const consumer = 'retiring'
  let handled = 0
  const react = async (entries: ReturnType<typeof toEntries>) => {
    if (entries.length === 0) return
    const pipeline = ctx.redis.pipeline()
    for (const { fields } of entries) {
      const event = fields ? parseOrderEvent(fields) : null
      if (event?.isOk()) addReactions(pipeline, event.value, streams)
    }
    pipeline.xack(stream, RETIRED_REACTIONS_GROUP, ...entries.map(({ id }) => id))
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
    handled += entries.length
  }
  // Pending with any consumer, however recently delivered: the old workers are gone.
  let cursor = '0-0'
  do {
    const [next, claimed] = (await ctx.redis.xautoclaim(
      stream,
      RETIRED_REACTIONS_GROUP,
      consumer,
      0,
      cursor,
      'COUNT',
      500,
    )) as [string, [string, string[] | null][]]
    await react(toEntries([[stream, claimed]]))
    cursor = next
  } while (cursor !== '0-0')
  // Then what the group never read.
  for (;;) {
    const entries = toEntries(
      await ctx.redis.xreadgroup(
        'GROUP',
        RETIRED_REACTIONS_GROUP,
        consumer,
        'COUNT',
        500,
        'STREAMS',
        stream,
        '>',
      ),
    )
    if (entries.length === 0) break
    await react(entries)
  }
  await ctx.redis.xgroup('DESTROY', stream, RETIRED_REACTIONS_GROUP)
  if (handled > 0)
    ctx.log(`[worker] retired the reactions group of ${stream}: ${handled} entries handled`)
  return handled
}
