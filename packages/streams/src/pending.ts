import type { RedisClient } from '@flash/redis'
import type { RedisCommander } from 'ioredis'

type PendingRow = [id: string, consumer: string, idleMs: number, deliveries: number]

/**
 * How many times each entry has been delivered (XPENDING extended form, one
 * lookup per id in one pipeline). An id missing from the map is no longer
 * pending: someone acknowledged it meanwhile.
 *
 * @example
 * const counts = await deliveryCounts(redis, stream, 'order-writer', ['1-0', '2-0'])
 * counts.get('1-0') // 3
 */
export async function deliveryCounts(
  redis: RedisClient,
  stream: string,
  group: string,
  ids: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  if (ids.length === 0) return counts
  const pipeline = redis.pipeline()
  for (const id of ids) pipeline.xpending(stream, group, id, id, 1)
  const replies = (await pipeline.exec()) ?? []
  for (const [error, rows] of replies) {
    if (error) throw error
    const row = (rows as PendingRow[])[0]
    if (row) counts.set(row[0], Number(row[3]))
  }
  return counts
}

/**
 * The group's pending entry with the smallest id (the one waiting longest to
 * be acknowledged), or null when nothing is pending.
 *
 * @example
 * const oldest = await oldestPending(redis, stream, 'order-writer') // { id, idleMs, deliveries }
 */
export async function oldestPending(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<{ id: string; idleMs: number; deliveries: number } | null> {
  const rows = (await redis.xpending(stream, group, '-', '+', 1)) as PendingRow[]
  const row = rows[0]
  return row ? { id: row[0], idleMs: Number(row[2]), deliveries: Number(row[3]) } : null
}

/**
 * Takes back the delivery that the last read counted, for entries whose
 * failure was not their fault (a dependency was down) or that were never
 * tried alone.
 *
 * @example
 * await refundDeliveries(redis, stream, 'order-writer', 'w1', new Map([['1-0', 3]])) // now 2
 */
export function refundDeliveries(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  counts: Map<string, number>,
): Promise<void> {
  const refunded = new Map([...counts].map(([id, count]) => [id, Math.max(0, count - 1)]))
  return setDeliveries(redis, stream, group, consumer, refunded)
}

/**
 * Sets the delivery counter of pending entries: XCLAIM with RETRYCOUNT sets
 * it, and JUSTID keeps XCLAIM from counting a delivery of its own. One call
 * per distinct count.
 *
 * @example
 * await setDeliveries(redis, stream, 'order-writer', 'w1', new Map([['1-0', 4]])) // now 4
 */
export async function setDeliveries(
  redis: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  counts: Map<string, number>,
): Promise<void> {
  const idsByCount = new Map<number, string[]>()
  for (const [id, count] of counts) idsByCount.set(count, [...(idsByCount.get(count) ?? []), id])
  await Promise.all(
    [...idsByCount].map(([count, ids]) =>
      // One overload set, not the union's two (which a spread argument cannot pick from).
      (redis as RedisCommander).xclaim(
        stream,
        group,
        consumer,
        0,
        ...ids,
        'RETRYCOUNT',
        count,
        'JUSTID',
      ),
    ),
  )
}
