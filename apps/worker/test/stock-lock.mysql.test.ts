import { describe, expect, it } from 'bun:test'
import { testDatabase, waitFor } from '@flash/testing'
import mysql from 'mysql2/promise'
import { withStockLock } from '../src/buckets/stock-lock.ts'

describe('withStockLock', () => {
  it('starts a job only once the one before it has ended, even a failed one', async () => {
    await using database = await testDatabase()
    const order: string[] = []
    let endFirst = () => {}
    const first = withStockLock(database.db, async () => {
      order.push('first starts')
      await new Promise<void>((resolve) => {
        endFirst = resolve
      })
      order.push('first ends')
      throw new Error('first failed')
    })
    const second = withStockLock(database.db, async () => {
      order.push('second starts')
    })
    await waitFor(() => order.includes('first starts'), { what: 'the first job to start' })
    order.push('both asked')
    endFirst()
    await expect(first).rejects.toThrow('first failed')
    await second
    expect(order).toEqual(['first starts', 'both asked', 'first ends', 'second starts'])
  })

  // Another worker process is another MySQL session: one holding the lock here stands for it.
  it("waits for another worker's job on the same database, and only that database's", async () => {
    await using database = await testDatabase()
    await using elsewhere = await testDatabase()
    const other = await mysql.createConnection(database.url)
    try {
      const [held] = (await other.query(
        "select get_lock(concat('flash-stock:', database()), 0) as got",
      )) as unknown as [{ got: number }[]]
      expect(held[0]?.got).toBe(1)

      const order: string[] = []
      // The same name on another database is another lock: its job runs at once.
      await withStockLock(elsewhere.db, async () => {
        order.push('job on another database runs')
      })
      const job = withStockLock(database.db, async () => {
        order.push('job runs')
      })
      await waitFor(
        async () => {
          const [waiting] = (await other.query(
            "select count(*) as n from information_schema.processlist where state = 'User lock' and db = database()",
          )) as unknown as [{ n: number }[]]
          return Number(waiting[0]?.n) === 1 || undefined
        },
        { what: 'the job to wait for the lock' },
      )
      order.push('other worker done')
      await other.query("select release_lock(concat('flash-stock:', database()))")
      await job
      expect(order).toEqual(['job on another database runs', 'other worker done', 'job runs'])
    } finally {
      await other.end()
    }
  })
})
