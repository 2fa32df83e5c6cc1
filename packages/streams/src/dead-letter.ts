import type { RedisClient } from '@flash/redis'
import { JSON_FIELD } from './entries.ts'

/**
 * Why an entry left its stream for the dead-letter stream:
 * - `malformed`: `decode` refused it (`reason` is decode's message);
 * - `deleted`: it was deleted (XDEL/XTRIM) while pending, nothing to decode;
 * - `poison`: the handler failed on it alone, with an error of its own,
 *   `deliveries` times (`reason` is the last one). Deliveries that ended
 *   without an answer (the process died) never make an entry poison.
 */
export type DeadLetterKind = 'malformed' | 'deleted' | 'poison'

/** One dead letter, as written to and read back from the dead-letter stream. */
export type DeadLetter = {
  stream: string
  group: string
  consumer: string
  /** The entry's id in its own stream. */
  id: string
  kind: DeadLetterKind
  reason: string
  /** For `poison`, the failures of its own it was dead-lettered after; 0 otherwise. */
  deliveries: number
  /** The entry's event as it was read (`toEntries`), null when it had been deleted. */
  fields: Record<string, string> | null
}

/**
 * The counter of the entries a group has dead-lettered from a stream, kept
 * beside the stream (its hash tag) because one dead-letter stream takes the
 * letters of every group of a partition: counting one group's there would
 * mean reading them all.
 *
 * @example
 * deadLetteredKey('fs:{p0}:stream:orders', 'order-writer') // 'fs:{p0}:stream:orders:dead-lettered:order-writer'
 */
export function deadLetteredKey(stream: string, group: string): string {
  return `${stream}:dead-lettered:${group}`
}

/**
 * Appends dead letters in one pipeline, each as one JSON_FIELD holding the
 * letter, and counts them per stream and group (`deadLetteredKey`). The
 * caller acknowledges the entries after this resolves, so a crash in between
 * duplicates a dead letter rather than losing one.
 *
 * @example
 * await writeDeadLetters(redis, 'fs:{p0}:stream:dead-letter', [letter])
 */
export async function writeDeadLetters(
  redis: RedisClient,
  deadLetterStream: string,
  letters: DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return
  const pipeline = redis.pipeline()
  const counts = new Map<string, number>()
  for (const letter of letters) {
    pipeline.xadd(deadLetterStream, '*', JSON_FIELD, JSON.stringify(letter))
    const key = deadLetteredKey(letter.stream, letter.group)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  for (const [key, count] of counts) pipeline.incrby(key, count)
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
}

/**
 * Reads dead letters back, oldest first, for an operator's tool or a test.
 *
 * @example
 * const letters = await readDeadLetters(redis, 'fs:{p0}:stream:dead-letter')
 * letters.filter((letter) => letter.kind === 'poison')
 */
export async function readDeadLetters(
  redis: RedisClient,
  deadLetterStream: string,
  count = 100,
): Promise<DeadLetter[]> {
  const reply = (await redis.xrange(deadLetterStream, '-', '+', 'COUNT', count)) as [
    id: string,
    fields: string[],
  ][]
  return reply.map(([id, [field, json]]) => {
    if (field !== JSON_FIELD || json === undefined)
      throw new Error(`entry ${id} of ${deadLetterStream} is not a dead letter`)
    return JSON.parse(json) as DeadLetter
  })
}
