import { describe, expect, it } from 'bun:test'
import { orderItems, orders } from '@flash/db'
import { reserve, streamKey } from '@flash/redis'
import {
  createBuyers,
  createSale,
  spawnApp,
  testDatabase,
  testRedis,
  waitFor,
} from '@flash/testing'
import { count, countDistinct } from 'drizzle-orm'

/** The real worker process, as `bun run start` runs it, on this test's database and key prefix. */
const spawnWorker = (env: Record<string, string>) => spawnApp('worker', env)

describe('order-writer crash recovery', () => {
  it('persists every order exactly once when killed after reading and again after writing', async () => {
    await using database = await testDatabase()
    await using r = await testRedis()
    const { db } = database
    const total = 300
    const buyers = await createBuyers(db, total)
    const { saleId } = await createSale(db, r.redis, r.space, { quantity: total, perUserLimit: 1 })
    for (const [i, userId] of buyers.entries()) {
      const placed = await reserve(r.redis, r.space, {
        offer: { kind: 'sale', id: saleId },
        orderId: Bun.randomUUIDv7(),
        userId,
        quantity: 1,
        fingerprint: 'f',
        idempotencyKey: `k${i}`,
        idempotencyTtlSeconds: 600,
        orderTtlSeconds: 600,
      })
      expect(placed.isOk()).toBe(true)
    }

    const stream = streamKey(r.space, 0, 'orders')
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: r.url,
      REDIS_PREFIX: r.prefix,
      WORKER_NAME: 'writer-under-test',
      ORDER_WRITER_BATCH: '100',
    }
    const pendingOfWorker = async () => {
      const summary = (await r.redis.xpending(stream, 'order-writer')) as [number, ...unknown[]]
      return summary[0]
    }
    const storedOrders = async () => (await db.select({ n: count() }).from(orders))[0]?.n ?? 0

    // 1. Dies after XREADGROUP, before the insert: the batch is pending, MySQL is empty.
    const first = spawnWorker({ ...env, WORKER_FAULT: 'exit-after-read' })
    expect(await first.exited).toBe(86)
    expect(await pendingOfWorker()).toBe(100)
    expect(await storedOrders()).toBe(0)

    // 2. Dies after the insert, before XACK: MySQL has the batch, which is still pending.
    const second = spawnWorker({ ...env, WORKER_FAULT: 'exit-after-write' })
    expect(await second.exited).toBe(86)
    expect(await pendingOfWorker()).toBe(100)
    expect(await storedOrders()).toBe(100)

    // 3. A healthy restart replays its pending batch (inserting nothing twice) and drains the rest.
    const third = spawnWorker(env)
    await waitFor(async () => (await storedOrders()) === total && (await pendingOfWorker()) === 0, {
      what: 'every order stored and acknowledged',
      timeoutMs: 30_000,
    })
    third.kill('SIGTERM')
    expect(await third.exited).toBe(0)

    const [orderRows] = await db
      .select({
        rows: count(),
        ids: countDistinct(orders.id),
        buyers: countDistinct(orders.userId),
      })
      .from(orders)
    const [itemRows] = await db.select({ rows: count() }).from(orderItems)
    expect({ ...orderRows, items: itemRows?.rows }).toEqual({
      rows: total,
      ids: total,
      buyers: total,
      items: total,
    })
  })
})
