import type { Db } from '@flash/db/client'
import { sql } from 'drizzle-orm'

/**
 * The one lock the balancer and reconciliation share. Reconciliation sets a
 * sale's Redis stock to what MySQL says (allotment minus the units its orders
 * hold), guarded by the orders stream's last entry; a transfer's take and
 * give change a bucket's stock without writing to that stream, so a repair
 * computed before a take and written after it would put the taken units
 * back (units sold twice). Holding this lock, neither job runs while the
 * other does, in this process or in any other worker on the same database:
 * schedules run in one worker by default (scripts/start.ts), but a second
 * worker left with SCHEDULES=on must not open that window. In the process a
 * queue (so jobs wait their turn without each taking a connection), across
 * processes MySQL's named lock GET_LOCK, one per database, held on a
 * connection of its own and released with it if the process dies.
 *
 * @example
 * await withStockLock(ctx.db, () => reconcileSales(ctx, new Date()))
 */
export function withStockLock<T>(db: Db, job: () => Promise<T>): Promise<T> {
  const run = tail.then(() => acrossWorkers(db, job))
  // The next job waits for this one, whether it succeeded or failed.
  tail = run.then(
    () => undefined,
    () => undefined,
  )
  return run
}

let tail: Promise<void> = Promise.resolve()

/** How long a job waits for another worker's job before it gives up (and runs at its next tick). */
const WAIT_SECONDS = 30

const LOCK_NAME = sql`concat('flash-stock:', database())`

async function acrossWorkers<T>(db: Db, job: () => Promise<T>): Promise<T> {
  // A transaction only to keep one connection for the lock; it reads and writes nothing.
  return db.transaction(async (tx) => {
    const [rows] = (await tx.execute(
      sql`select get_lock(${LOCK_NAME}, ${WAIT_SECONDS}) as got`,
    )) as unknown as [{ got: number | null }[], unknown]
    if (Number(rows[0]?.got) !== 1)
      throw new Error(`another worker held the stock lock for ${WAIT_SECONDS} s`)
    try {
      return await job()
    } finally {
      await tx.execute(sql`select release_lock(${LOCK_NAME})`)
    }
  })
}
