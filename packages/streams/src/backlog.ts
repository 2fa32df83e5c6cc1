import type { RedisClient } from '@flash/redis'
import { deadLetteredKey } from './dead-letter.ts'
import { toRecord } from './groups.ts'

/** Where one consumer group of a stream stands, as metrics show it. */
export type GroupBacklog = {
  stream: string
  group: string
  /** Entries delivered to the group and not yet acknowledged. */
  pending: number
  /** Entries not yet delivered to the group; null when Redis cannot tell (an entry deleted in that range). */
  lag: number | null
  /** Seconds since the oldest pending entry was added to the stream, by Redis's clock; 0 when none is pending. */
  oldestPendingAgeSeconds: number
  /** Entries the group has sent to the dead-letter stream (`deadLetteredKey`). */
  deadLettered: number
}

/**
 * Every consumer group of the given streams, in two pipelined round trips
 * per stream (the streams side by side) whatever the number of groups:
 * Redis's clock and XINFO GROUPS, then per group the XPENDING summary (its smallest id carries the oldest
 * pending entry's time) and the dead-letter counter. Nothing is read entry
 * by entry, so it costs the same on a backlog of millions. A stream that
 * does not exist has no groups.
 *
 * @example
 * await readBacklogs(redis, ['fs:{p0}:stream:orders'])
 * // [{ stream: 'fs:{p0}:stream:orders', group: 'order-writer', pending: 500, lag: 1200, oldestPendingAgeSeconds: 2.3, deadLettered: 0 }]
 */
export async function readBacklogs(redis: RedisClient, streams: string[]): Promise<GroupBacklog[]> {
  // One stream at a time (side by side): on a cluster a pipeline stays in one slot.
  const perStream = await Promise.all(streams.map((stream) => readStreamBacklogs(redis, stream)))
  return perStream.flat()
}

async function readStreamBacklogs(redis: RedisClient, stream: string): Promise<GroupBacklog[]> {
  const [clock, info] = (await redis.pipeline().time().xinfo('GROUPS', stream).exec()) ?? []
  if (!clock || clock[0]) throw clock?.[0] ?? new Error('no answer to TIME')
  const [seconds, micros] = clock[1] as [string, string]
  const nowMs = Number(seconds) * 1000 + Number(micros) / 1000
  const [infoError, reply] = info ?? [new Error('no XINFO answer')]
  if (infoError) {
    if (/no such key/i.test(infoError.message)) return []
    throw infoError
  }
  const groups = (reply as unknown[][]).map((flat) => {
    const info = toRecord(flat)
    return {
      stream,
      group: String(info.name),
      pending: Number(info.pending),
      lag: typeof info.lag === 'number' ? info.lag : null,
    }
  })
  if (groups.length === 0) return []

  const second = redis.pipeline()
  for (const { group } of groups) second.xpending(stream, group).get(deadLetteredKey(stream, group))
  const replies = (await second.exec()) ?? []
  return groups.map((group, index) => {
    const [pendingError, summary] = replies[2 * index] ?? [new Error('no XPENDING answer')]
    const [counterError, counter] = replies[2 * index + 1] ?? [new Error('no GET answer')]
    if (pendingError) throw pendingError
    if (counterError) throw counterError
    const smallest = (summary as [number, string | null])[1]
    const addedMs = smallest ? Number(smallest.slice(0, smallest.indexOf('-'))) : nowMs
    return {
      ...group,
      oldestPendingAgeSeconds: Math.max(0, nowMs - addedMs) / 1000,
      deadLettered: Number(counter ?? 0),
    }
  })
}
