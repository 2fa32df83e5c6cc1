import { streamMarks } from '@flash/db'
import type { Db } from '@flash/db/client'
import { eq, type SQL, sql } from 'drizzle-orm'

/**
 * The highest entry id of `stream` whose events the order-writer has
 * committed to MySQL, or null before the first. A Redis whose stream was
 * generated only up to a lower id lost entries MySQL already holds: it went
 * back in time.
 *
 * @example
 * await lastAppliedEntryId(db, 'fs:{p0}:stream:orders') // '1700000000000-3' or null
 */
export async function lastAppliedEntryId(db: Db, stream: string): Promise<string | null> {
  const [row] = await db
    .select({ lastId: streamMarks.lastId })
    .from(streamMarks)
    .where(eq(streamMarks.stream, stream))
  return row?.lastId ?? null
}

/**
 * Raises the stream's mark to the highest of `entryIds`, inside the
 * transaction that applies those entries. The mark only ever goes up, so
 * batches committed out of order (two workers, a retried batch) leave the
 * highest. Ids compare as (ms, seq) pairs: as strings '9-0' would pass
 * '10-0'. Run it last in the transaction: every batch of the stream takes
 * this one row's lock, held until the commit.
 *
 * @example
 * await raiseStreamMark(tx, 'fs:{p0}:stream:orders', ['1700000000000-0', '1700000000000-1'], new Date())
 */
export async function raiseStreamMark(
  tx: Pick<Db, 'insert'>,
  stream: string,
  entryIds: readonly string[],
  now: Date,
): Promise<void> {
  const lastId = highestId(entryIds)
  if (lastId === null) return
  const incoming = sql`values(${sql.identifier('last_id')})`
  const kept = sql`${sql.identifier('last_id')}`
  await tx
    .insert(streamMarks)
    .values({ stream, lastId, updatedAt: now })
    .onDuplicateKeyUpdate({
      set: {
        lastId: sql`if(${pairOf(incoming)} > ${pairOf(kept)}, ${incoming}, ${kept})`,
        updatedAt: now,
      },
    })
}

/** A stream id as an SQL row value (ms, seq) of unsigned integers. */
function pairOf(id: SQL): SQL {
  return sql`(cast(substring_index(${id}, '-', 1) as unsigned), cast(substring_index(${id}, '-', -1) as unsigned))`
}

function highestId(ids: readonly string[]): string | null {
  let highest: string | null = null
  let highestParts: [bigint, bigint] = [-1n, -1n]
  for (const id of ids) {
    const parts = partsOf(id)
    if (
      parts[0] > highestParts[0] ||
      (parts[0] === highestParts[0] && parts[1] > highestParts[1])
    ) {
      highest = id
      highestParts = parts
    }
  }
  return highest
}

function partsOf(id: string): [bigint, bigint] {
  const [ms = '0', seq = '0'] = id.split('-')
  // BigInt: the sequence part is a 64-bit counter, past Number's exact range.
  return [BigInt(ms), BigInt(seq)]
}
