import type { RedisClient } from '@flash/redis'
import { ensureGroup } from './entries.ts'
import { failuresKey } from './failures.ts'

/**
 * True for what Redis answers once a consumer group is gone: NOGROUP (no
 * such stream or group: Redis restarted empty, or from a state older than
 * the group) and, to a read blocked at that moment, UNBLOCKED because the
 * stream key was deleted.
 *
 * @example
 * isMissingGroup(new Error("NOGROUP No such key 's' or consumer group 'g'")) // true
 */
export function isMissingGroup(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  return (
    message.startsWith('NOGROUP') ||
    (message.startsWith('UNBLOCKED') && message.includes('no longer exists'))
  )
}

/**
 * Creates a group that Redis lost again, from the stream's first entry (see
 * ensureGroup), and forgets the failures counted under the lost one. From the
 * first entry and not from `$`: after an empty restart the stream holds only
 * entries written since, which nobody has read; after a restore from an older
 * state it may hold entries that were handled already, and they are delivered
 * again. That is safe because the worker's handlers are idempotent (the
 * order-writer keeps an order's row of the highest seq; payment, refunds,
 * shipping and e-mail are idempotent by order and kind, e-mail through
 * processed_events), whereas `$` would silently skip whatever the stream held. True when
 * this call created the group, false when another consumer did first.
 *
 * @example
 * if (isMissingGroup(error)) await recreateGroup(redis, stream, 'order-writer') // true
 */
export async function recreateGroup(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<boolean> {
  const created = await ensureGroup(redis, stream, group)
  if (created) await redis.del(failuresKey(stream, group))
  return created
}
