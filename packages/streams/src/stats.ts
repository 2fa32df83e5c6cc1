import type { RedisClient } from '@flash/redis'
import { readGroup } from './groups.ts'
import { oldestPending } from './pending.ts'

/** How far a consumer group is behind on one stream. */
export type StreamStats = {
  /** Entries in the stream (XLEN). */
  length: number
  /** Entries not yet delivered to the group; counted up to `lagCountLimit` where Redis cannot tell. */
  lag: number
  /** Entries delivered to the group and not yet acknowledged. */
  pending: number
  /** Idle time of the group's oldest pending entry, null when nothing is pending. */
  oldestPendingIdleMs: number | null
  /** Entries in the dead-letter stream, when one was named. */
  deadLetters?: number
}

/**
 * Reads a group's backlog: Redis 7 reports `lag` in XINFO GROUPS; before 7,
 * or when it cannot (entries were deleted in the range), the entries after
 * the group's last-delivered id are counted, up to `lagCountLimit` so a stats
 * call stays cheap on a huge backlog (the lag is then at least that).
 *
 * @example
 * const stats = await streamStats(redis, stream, 'order-writer', { deadLetterStream })
 * // { length: 1200, lag: 40, pending: 500, oldestPendingIdleMs: 120, deadLetters: 1 }
 */
export async function streamStats(
  redis: RedisClient,
  stream: string,
  group: string,
  options: { deadLetterStream?: string; lagCountLimit?: number } = {},
): Promise<StreamStats> {
  const info = await readGroup(redis, stream, group)
  const [length, oldest, lag] = await Promise.all([
    redis.xlen(stream),
    info.pending > 0 ? oldestPending(redis, stream, group) : null,
    info.lag ?? countAfter(redis, stream, info.lastDeliveredId, options.lagCountLimit ?? 10_000),
  ])
  const stats: StreamStats = {
    length,
    lag,
    pending: info.pending,
    oldestPendingIdleMs: oldest?.idleMs ?? null,
  }
  if (options.deadLetterStream) stats.deadLetters = await redis.xlen(options.deadLetterStream)
  return stats
}

async function countAfter(redis: RedisClient, stream: string, id: string, limit: number) {
  // '(' makes the range exclusive: the last delivered entry itself is not lag.
  return (await redis.xrange(stream, `(${id}`, '+', 'COUNT', limit)).length
}
