import type { RedisClient } from '@flash/redis'

/** The worker's order-writer consumer group (its ORDER_WRITER_GROUP; apps never import each other). */
const ORDER_WRITER_GROUP = 'order-writer'

/**
 * The id of the last entry of a stream right now, or null when it has none.
 *
 * @example
 * await lastEntryId(redis, 'fs:{p0}:stream:orders') // '1700000000000-3'
 */
export async function lastEntryId(redis: RedisClient, stream: string): Promise<string | null> {
  const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1)
  return last?.[0] ?? null
}

/**
 * Whether the worker's order-writer has stored and acknowledged every entry
 * of an orders stream up to `watermark`: it has read past it, and none at
 * or before it is still pending. Entries after it may keep coming: under
 * load the stream is never empty. A stream without the group (the worker
 * has not recreated it yet) has not caught up.
 *
 * @example
 * await orderWriterReached(redis, stream, await lastEntryId(redis, stream))
 */
export async function orderWriterReached(
  redis: RedisClient,
  stream: string,
  watermark: string | null,
): Promise<boolean> {
  if (watermark === null) return true
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][]
  const group = groups.map(toRecord).find((info) => info.name === ORDER_WRITER_GROUP)
  if (!group || compareIds(String(group['last-delivered-id']), watermark) < 0) return false
  const pending = (await redis.xpending(stream, ORDER_WRITER_GROUP, '-', watermark, 1)) as unknown[]
  return pending.length === 0
}

function toRecord(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]
  return out
}

/** Stream ids compare as (ms, seq) numbers: as strings '9-0' would pass '10-0'. */
function compareIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt)
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt)
  if (aMs !== bMs) return aMs < bMs ? -1 : 1
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1
}
