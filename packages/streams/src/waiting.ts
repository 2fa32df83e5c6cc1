import type { RedisClient } from '@flash/redis'
import { readGroups } from './groups.ts'

/**
 * Whether some work of one consumer group has waited longer than `ms` (by
 * Redis's clock): an entry not yet delivered to the group that was added
 * that long ago, or a delivered one no consumer has read for that long
 * (its consumer died holding it). A group that does not exist yet waits for
 * every entry of its stream. Consumers that are alive and keeping up never
 * let this happen for long: they read new entries within their block time,
 * and their pending ones again within their retry pause; so true means the
 * group's consumers are gone, or far behind.
 *
 * @example
 * await waitedLongerThan(redis, 'fs:{p1}:stream:orders', 'order-writer', 30_000) // true: nobody reads partition 1
 */
export async function waitedLongerThan(
  redis: RedisClient,
  stream: string,
  group: string,
  ms: number,
): Promise<boolean> {
  const info = (await readGroups(redis, stream)).find((each) => each.name === group)
  if (info === undefined || info.lag !== 0) {
    const after = info === undefined ? '-' : `(${info.lastDeliveredId}`
    const [next] = (await redis.xrange(stream, after, '+', 'COUNT', 1)) as [string, string[]][]
    if (next && (await redisNowMs(redis)) - idTimeMs(next[0]) > ms) return true
  }
  if (info === undefined || info.pending === 0) return false
  const idle = (await redis.xpending(stream, group, 'IDLE', ms, '-', '+', 1)) as unknown[]
  return idle.length > 0
}

async function redisNowMs(redis: RedisClient): Promise<number> {
  const [seconds, micros] = (await redis.time()) as [string | number, string | number]
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

function idTimeMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')))
}
