import type { RedisClient } from '../client.ts'

/** What XINFO STREAM says about the ids a stream has generated and dropped. */
type StreamIds = { lastGenerated: string; firstEntry: string | null; maxDeleted: string | null }

/**
 * Whether a stream lost entries MySQL has applied: `applied` is the highest
 * entry id the order-writer committed (null when it has committed none).
 * The stream is behind when it is gone, when it never generated that id (a
 * restore from an older file, a failover to a lagging replica), or when the
 * entry is missing although nothing trimmed or deleted it (an older state
 * that has taken new entries since). An entry trimmed away (below the first
 * entry) or deleted (up to max-deleted-entry-id) proves nothing either way.
 *
 * @example
 * await streamBehind(redis, streamKey(space, 0, 'orders'), await lastAppliedEntryId(db, stream)) // false
 */
export async function streamBehind(
  redis: RedisClient,
  stream: string,
  applied: string | null,
): Promise<boolean> {
  if (applied === null) return false
  const ids = await streamIds(redis, stream)
  if (!ids) return true
  if (compareIds(ids.lastGenerated, applied) < 0) return true
  const found = await redis.xrange(stream, applied, applied)
  if (found.length > 0) return false
  if (ids.firstEntry === null || compareIds(applied, ids.firstEntry) < 0) return false
  return !(ids.maxDeleted !== null && compareIds(applied, ids.maxDeleted) <= 0)
}

/**
 * Moves a stream's last generated id up to `id` when it is lower, creating
 * the stream if needed: the entries it takes next are then numbered above
 * every id MySQL has applied, so the marks keep rising and the next check
 * does not find the stream behind again.
 *
 * @example
 * await raiseLastId(redis, streamKey(space, 0, 'orders'), '1700000000000-3')
 */
export async function raiseLastId(redis: RedisClient, stream: string, id: string): Promise<void> {
  let ids = await streamIds(redis, stream)
  if (!ids) {
    // XSETID needs the stream; an entry added and trimmed in one command leaves it empty.
    await redis.xadd(stream, 'MAXLEN', '0', '*', 'json', '{}')
    ids = await streamIds(redis, stream)
  }
  if (ids && compareIds(ids.lastGenerated, id) >= 0) return
  await redis.xsetid(stream, id)
}

async function streamIds(redis: RedisClient, stream: string): Promise<StreamIds | null> {
  let flat: unknown[]
  try {
    flat = (await redis.xinfo('STREAM', stream)) as unknown[]
  } catch (error) {
    if (String(error).includes('no such key')) return null
    throw error
  }
  const info = new Map<string, unknown>()
  for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1])
  const first = info.get('first-entry') as [string, unknown] | null | undefined
  const maxDeleted = info.get('max-deleted-entry-id')
  return {
    lastGenerated: String(info.get('last-generated-id')),
    firstEntry: first ? first[0] : null,
    maxDeleted: typeof maxDeleted === 'string' && maxDeleted !== '0-0' ? maxDeleted : null,
  }
}

/** Stream ids in numeric order: as strings '9-0' would come after '10-0'. */
function compareIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt)
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt)
  if (aMs !== bMs) return aMs < bMs ? -1 : 1
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1
}
