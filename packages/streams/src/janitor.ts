import type { RedisClient } from '@flash/redis'

/** Settings of the janitor; `everyMs` 0 turns it off. */
export type JanitorOptions = {
  redis: RedisClient
  stream: string
  group: string
  consumer: string
  idleMs: number
  everyMs: number
  count: number
}

/** Moves idle pending entries of the group to one consumer; see createJanitor. */
export type Janitor = {
  due: () => boolean
  sweep: () => Promise<{ claimed: number; deleted: number }>
}

/**
 * Reclaims entries that some consumer of the group read and never
 * acknowledged (it died) once they have been idle `idleMs`, one page of
 * XAUTOCLAIM per sweep. It claims with JUSTID, which only moves ownership and
 * leaves the delivery counter alone: the consumer then reads them as its own
 * pending entries, which counts the delivery that actually happens, so the
 * counter tells how many deliveries ended without an answer (see history.ts). A sweep that has not reached the end of the
 * pending list is due again at once; a finished one after `everyMs`.
 *
 * @example
 * const janitor = createJanitor({ redis, stream, group, consumer: 'w2', idleMs: 30_000, everyMs: 5_000, count: 500 })
 * if (janitor.due()) await janitor.sweep() // { claimed: 3, deleted: 1 }: the 3 are now w2's pending entries
 */
export function createJanitor(options: JanitorOptions): Janitor {
  const { redis, stream, group, consumer } = options
  let cursor = '0-0'
  let dueAt = 0
  return {
    due: () => options.everyMs > 0 && Date.now() >= dueAt,
    async sweep() {
      const [next, claimed, deleted = []] = (await redis.xautoclaim(
        stream,
        group,
        consumer,
        options.idleMs,
        cursor,
        'COUNT',
        options.count,
        'JUSTID',
      )) as [string, string[], string[]?]
      // Redis 7 already dropped these from the pending list; the XACK is a no-op there and
      // is kept so that nothing deleted can linger pending whatever the server did.
      if (deleted.length > 0) await redis.xack(stream, group, ...deleted)
      cursor = next
      if (next === '0-0') dueAt = Date.now() + options.everyMs
      return { claimed: claimed.length, deleted: deleted.length }
    },
  }
}
