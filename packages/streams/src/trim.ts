import type { RedisClient } from '@flash/redis'
import { readGroups } from './groups.ts'
import { compareIds, nextId } from './ids.ts'
import { oldestPending } from './pending.ts'

/**
 * Trims a stream up to, not including, the oldest entry that any of its
 * consumer groups still needs: for each group, its smallest pending id, or
 * (nothing pending) the entry after its last-delivered id. Entries below that
 * floor were delivered to and acknowledged by every group. A stream without
 * groups is left alone: nobody has acknowledged anything yet. Groups only
 * move forward between the reads and the XTRIM, which keeps the floor safe.
 * Returns how many entries were removed.
 *
 * @example
 * const removed = await trimAcknowledged(redis, 'fs:{p0}:stream:orders')
 */
export async function trimAcknowledged(
  redis: RedisClient,
  stream: string,
  options: { approximate?: boolean } = {},
): Promise<number> {
  const groups = await readGroups(redis, stream)
  if (groups.length === 0) return 0
  const floors = await Promise.all(
    groups.map(async (group) => {
      const oldest = group.pending > 0 ? await oldestPending(redis, stream, group.name) : null
      // Acknowledged in the meantime: then everything up to last-delivered is done.
      return oldest?.id ?? nextId(group.lastDeliveredId)
    }),
  )
  const floor = floors.reduce((low, id) => (compareIds(id, low) < 0 ? id : low))
  // '~' lets Redis drop only whole nodes below the floor: cheaper, never more than exact.
  return options.approximate
    ? redis.xtrim(stream, 'MINID', '~', floor)
    : redis.xtrim(stream, 'MINID', floor)
}
