import { redisFences } from '@flash/db'
import type { Db } from '@flash/db/client'
import { eq, sql } from 'drizzle-orm'
import type { RedisClient } from '../client.ts'
import { type Generation, RecoveringError, readGeneration } from '../generation.ts'
import type { KeySpace } from '../keys.ts'

/**
 * Something that runs SQL inside a transaction (Drizzle's transaction object).
 * Only `execute` is used, so any of Drizzle's MySQL executors will do.
 */
export type FenceTx = Pick<Db, 'execute'>

/**
 * The order-writer's side of the fence between its transactions and a Redis
 * recovery (the `redis_fences` table): without it, a batch read from a Redis
 * that was then lost or rolled back, and committed after the recovery read
 * MySQL (the order-writer was waiting for a slow MySQL meanwhile), would put
 * orders into MySQL that the rebuilt stock does not count, and that have no
 * live state.
 *
 * `capture` reads the partition's generation; the order-writer calls it
 * before every read of its stream (the consumer's `beforeRead`), so the
 * generation it keeps is never newer than the Redis the batch in hand came
 * from. (Captured when the batch is handled instead, a worker whose
 * connection came back only after another worker had rebuilt the partition
 * would read the new generation and pass the check with a batch from the
 * lost Redis.) It fails with a RecoveringError, a transient error, while the
 * partition is not current. `hold`, the first statement of the batch's
 * transaction, takes the stream's fence row shared (a recovery holds it
 * exclusively from before it reads MySQL until it has stamped the new
 * generation), then checks that the generation is still the one captured:
 * if a recovery came in between, the batch is refused (RecoveringError) and
 * its transaction rolls back. A batch read from the lost Redis is then read
 * again from the Redis that came back, if its entries are there (a restore),
 * or never applied: its orders were lost with Redis's data, and no stock or
 * live state anywhere says otherwise.
 *
 * @example
 * const fence = writerFence(redis, space, 0, streamKey(space, 0, 'orders'))
 * await fence.capture() // then read the stream
 * await db.transaction(async (tx) => { await fence.hold(tx); ... })
 */
export function writerFence(
  redis: RedisClient,
  space: KeySpace,
  partition: number,
  stream: string,
): WriterFence {
  let captured: string | null = null
  return {
    async capture() {
      captured = null
      const generation = await readGeneration(redis, space, partition)
      if (generation.state !== 'current' || !generation.marker) throw new RecoveringError(partition)
      captured = generation.marker
    },
    async hold(tx) {
      if (captured === null) throw new RecoveringError(partition)
      await tx.execute(
        sql`select stream from redis_fences where stream = ${stream} lock in share mode`,
      )
      const now = await readGeneration(redis, space, partition)
      if (now.state !== 'current' || now.marker !== captured) throw new RecoveringError(partition)
    },
  }
}

export type WriterFence = {
  /** Before each read of the stream: the generation the next batch is read under. */
  capture: () => Promise<void>
  /** In the batch's transaction: waits out a recovery, and refuses if one came since the capture. */
  hold: (tx: FenceTx) => Promise<void>
}

/**
 * The same fence for a write to MySQL that may concern any partition (an
 * order moved in MySQL alone once its live state expired: its partition is
 * not known from its id): every partition's row is taken shared and every
 * generation must still be what was captured.
 *
 * @example
 * const captured = await readGenerations(redis, space)
 * await db.transaction(async (tx) => { await holdEveryFence(tx, redis, space, captured); ... })
 */
export async function holdEveryFence(
  tx: FenceTx,
  redis: RedisClient,
  space: KeySpace,
  captured: readonly Generation[],
  streamOf: (partition: number) => string,
): Promise<void> {
  for (const before of captured) {
    await tx.execute(
      sql`select stream from redis_fences where stream = ${streamOf(before.partition)} lock in share mode`,
    )
    const now = await readGeneration(redis, space, before.partition)
    if (before.state !== 'current' || now.state !== 'current' || now.marker !== before.marker)
      throw new RecoveringError(before.partition)
  }
}

/**
 * The recovery's side: runs `work` while holding the stream's fence row
 * exclusively, which waits for every order-writer transaction holding it
 * (they commit first, and the recovery reads what they wrote) and keeps new
 * ones waiting until `work` is done (they then find a new generation and
 * refuse their batch). The row is created the first time, in a statement of
 * its own; afterwards only read with a lock, so a MySQL taking no writes
 * (a global read lock) holds a recovery back only while an order-writer
 * transaction is waiting on it.
 *
 * @example
 * await holdFenceExclusively(db, stream, lease.name, () => rebuild())
 */
export async function holdFenceExclusively<T>(
  db: Db,
  stream: string,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const [row] = await db
    .select({ stream: redisFences.stream })
    .from(redisFences)
    .where(eq(redisFences.stream, stream))
  if (!row)
    await db
      .insert(redisFences)
      .ignore()
      .values({ stream, generation: name, updatedAt: new Date() })
  const result = await db.transaction(async (tx) => {
    await tx.execute(sql`select stream from redis_fences where stream = ${stream} for update`)
    return work()
  })
  // For people reading the table only: not waited for (MySQL may take no writes right now).
  db.update(redisFences)
    .set({ generation: name, updatedAt: new Date() })
    .where(eq(redisFences.stream, stream))
    .catch(() => undefined)
  return result
}
