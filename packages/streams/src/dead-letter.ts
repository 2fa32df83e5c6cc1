import type Redis from 'ioredis'
import { toEntries } from './entries.ts'

/**
 * Why an entry left its stream for the dead-letter stream:
 * - `malformed`: `decode` refused it (`reason` is decode's message);
 * - `deleted`: it was deleted (XDEL/XTRIM) while pending, nothing to decode;
 * - `poison`: the handler failed on it alone `deliveries` times (`reason` is
 *   its last error), or it was delivered more than maxDeliveries times
 *   without the handler ever answering (a crash or a hang).
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
  deliveries: number
  /** The entry's fields as they were, null when it had been deleted. */
  fields: Record<string, string> | null
}

/**
 * Appends dead letters in one pipeline. The caller acknowledges the entries
 * after this resolves, so a crash in between duplicates a dead letter rather
 * than losing one.
 *
 * @example
 * await writeDeadLetters(redis, 'fs:{p0}:stream:dead-letter', [letter])
 */
export async function writeDeadLetters(
  redis: Redis,
  deadLetterStream: string,
  letters: DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return
  const pipeline = redis.pipeline()
  for (const letter of letters) {
    pipeline.xadd(
      deadLetterStream,
      '*',
      'stream',
      letter.stream,
      'group',
      letter.group,
      'consumer',
      letter.consumer,
      'id',
      letter.id,
      'kind',
      letter.kind,
      'reason',
      letter.reason,
      'deliveries',
      String(letter.deliveries),
      'fields',
      JSON.stringify(letter.fields),
    )
  }
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
  redis: Redis,
  deadLetterStream: string,
  count = 100,
): Promise<DeadLetter[]> {
  const reply = await redis.xrange(deadLetterStream, '-', '+', 'COUNT', count)
  return toEntries([[deadLetterStream, reply]]).map(({ fields }) => {
    const f = fields ?? {}
    return {
      stream: f.stream ?? '',
      group: f.group ?? '',
      consumer: f.consumer ?? '',
      id: f.id ?? '',
      kind: (f.kind ?? 'malformed') as DeadLetterKind,
      reason: f.reason ?? '',
      deliveries: Number(f.deliveries ?? 0),
      fields: JSON.parse(f.fields ?? 'null') as Record<string, string> | null,
    }
  })
}
