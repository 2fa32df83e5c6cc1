import type { RedisClient } from '@flash/redis'

/** One consumer group as XINFO GROUPS describes it; `lag` is null before Redis 7 or when Redis cannot tell. */
export type GroupInfo = {
  name: string
  consumers: number
  pending: number
  lastDeliveredId: string
  lag: number | null
}

/**
 * Reads every consumer group of a stream; an absent stream has none.
 *
 * @example
 * const groups = await readGroups(redis, 'fs:{p0}:stream:orders')
 */
export async function readGroups(redis: RedisClient, stream: string): Promise<GroupInfo[]> {
  if ((await redis.exists(stream)) === 0) return []
  const reply = (await redis.xinfo('GROUPS', stream)) as unknown[][]
  return reply.map((flat) => {
    const info = toRecord(flat)
    return {
      name: String(info.name),
      consumers: Number(info.consumers),
      pending: Number(info.pending),
      lastDeliveredId: String(info['last-delivered-id']),
      lag: typeof info.lag === 'number' ? info.lag : null,
    }
  })
}

/**
 * Finds one group, or fails naming the stream: asking about a group that
 * does not exist is a caller's bug.
 *
 * @example
 * const { pending } = await readGroup(redis, stream, 'order-writer')
 */
export async function readGroup(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<GroupInfo> {
  const found = (await readGroups(redis, stream)).find((info) => info.name === group)
  if (!found) throw new Error(`stream ${stream} has no consumer group ${group}`)
  return found
}

/** A flat [name, value, name, value, ...] reply (XINFO's) as a record. */
export function toRecord(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]
  return out
}
