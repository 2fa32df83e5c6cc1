import type { RedisClient } from '@flash/redis'

/**
 * The hash in which a group counts, per entry id, the failures its handler
 * reported for that entry alone (not transient ones). These, and not Redis's
 * delivery counter, decide when an entry is poison: a delivery that ended
 * because the process died says nothing against the entry. A field lives from
 * an entry's first failure until it is acknowledged or dead-lettered; the key
 * keeps the stream's hash tag.
 *
 * @example
 * failuresKey('fs:{p0}:stream:orders', 'order-writer') // 'fs:{p0}:stream:orders:failures:order-writer'
 */
export function failuresKey(stream: string, group: string): string {
  return `${stream}:failures:${group}`
}

/**
 * Counts one more failure for each entry (one pipeline of HINCRBY) and returns
 * each entry's total.
 *
 * @example
 * const totals = await countFailures(redis, stream, 'order-writer', ['1-0']) // Map { '1-0' => 2 }
 */
export async function countFailures(
  redis: RedisClient,
  stream: string,
  group: string,
  ids: string[],
): Promise<Map<string, number>> {
  const totals = new Map<string, number>()
  if (ids.length === 0) return totals
  const key = failuresKey(stream, group)
  const pipeline = redis.pipeline()
  for (const id of ids) pipeline.hincrby(key, id, 1)
  const replies = (await pipeline.exec()) ?? []
  for (const [index, [error, total]] of replies.entries()) {
    if (error) throw error
    totals.set(ids[index] as string, Number(total))
  }
  return totals
}

/**
 * The failures counted so far for each entry (one HMGET); entries that never
 * failed are absent.
 *
 * @example
 * const known = await readFailures(redis, stream, 'order-writer', ['1-0', '2-0']) // Map { '1-0' => 2 }
 */
export async function readFailures(
  redis: RedisClient,
  stream: string,
  group: string,
  ids: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  if (ids.length === 0) return counts
  const values = await redis.hmget(failuresKey(stream, group), ...ids)
  for (const [index, value] of values.entries())
    if (value !== null) counts.set(ids[index] as string, Number(value))
  return counts
}
