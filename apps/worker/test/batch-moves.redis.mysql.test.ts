import { describe, expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { findOrderState, offerKeys, orderKey } from '@flash/redis'
import { testDatabase, testRedis } from '@flash/testing'
import { eq, inArray } from 'drizzle-orm'
import { insertRows } from '../src/bulk-sql.ts'
import { rollBack } from '../src/consumers/rollback.ts'
import { placeOrders, testContext } from './helpers.ts'

/** A private database and prefix, a sale of `count` units, one order each, stored in MySQL as pending. */
async function world(count: number) {
  const database = await testDatabase()
  const r = await testRedis()
  const logged: string[] = []
  const ctx = { ...testContext(database, r), log: (line: string) => logged.push(line) }
  const { saleId, buyers, orderIds } = await placeOrders({ database, r }, count)
  const now = new Date()
  await insertRows(
    database.db,
    orders,
    orderIds.map((id, i) => ({
      id,
      userId: buyers[i] as string,
      saleId,
      status: 'pending' as const,
      total: 700,
      idempotencyKey: `k${i}`,
      createdAt: now,
      updatedAt: now,
    })),
    'id = id',
  )
  return {
    ctx,
    logged,
    saleId,
    orderIds,
    stock: () => r.redis.get(offerKeys(r.space, { kind: 'sale', id: saleId }).stock),
    async [Symbol.asyncDispose]() {
      await r[Symbol.asyncDispose]()
      await database[Symbol.asyncDispose]()
    },
  }
}

describe('rollbacks as a batch', () => {
  it('fails each order once, restores its unit once, and fails an expired order in MySQL alone', async () => {
    await using w = await world(3)
    const [a, b, expired] = w.orderIds as [string, string, string]
    await w.ctx.redis.del(orderKey(w.ctx.space, 0, expired))

    const asked = [a, b, a, expired].map((orderId) => ({
      type: 'rollback.requested' as const,
      orderId,
      reason: 'payment_timeout' as const,
    }))
    await rollBack(w.ctx, asked)
    // Asked again (a replay after a crash): nothing moves twice.
    await rollBack(w.ctx, asked)

    const rows = await w.ctx.db
      .select({ id: orders.id, status: orders.status })
      .from(orders)
      .where(inArray(orders.id, w.orderIds))
    const inMysql = Object.fromEntries(rows.map((row) => [row.id, row.status]))
    expect({
      live: [
        (await findOrderState(w.ctx.redis, w.ctx.space, a))?.status,
        (await findOrderState(w.ctx.redis, w.ctx.space, b))?.status,
      ],
      stock: await w.stock(),
      mysql: [inMysql[a], inMysql[b], inMysql[expired]],
    }).toEqual({
      live: ['failed', 'failed'],
      // Three sold, two given back; the expired order's unit is not restored (its state is gone).
      stock: '2',
      // a and b reach MySQL through the orders stream (the order-writer is not running here).
      mysql: ['pending', 'pending', 'failed'],
    })
    // The log says what happened to each order's unit, once per order, and nothing it did not do.
    const about = (id: string) => w.logged.filter((line) => line.includes(id))
    expect([about(a), about(b), about(expired)]).toEqual([
      [`[rollback] order ${a} failed (payment_timeout); stock restored`],
      [`[rollback] order ${b} failed (payment_timeout); stock restored`],
      [
        `[worker] order ${expired} moved to failed after its live state expired; stock not restored`,
      ],
    ])
  })
})

describe('insertRows', () => {
  it('stores awkward text and millisecond dates exactly, and a repeat inserts nothing twice', async () => {
    await using w = await world(1)
    const [id] = w.orderIds as [string]
    const at = new Date('2026-01-02T03:04:05.678Z')
    const key = `it's a \\ "quoted" key; drop table orders; -- ✓`
    const row = {
      id: Bun.randomUUIDv7(),
      userId: (await w.ctx.db.select().from(orders).where(eq(orders.id, id)))[0]?.userId as string,
      saleId: w.saleId,
      status: 'paid' as const,
      total: 1234,
      idempotencyKey: key,
      createdAt: at,
      updatedAt: at,
    }
    await insertRows(w.ctx.db, orders, [row], 'id = id')
    await insertRows(w.ctx.db, orders, [{ ...row, total: 1 }], 'id = id')

    const stored = await w.ctx.db.select().from(orders).where(eq(orders.id, row.id))
    expect(stored).toEqual([{ ...row, seq: 1 }])
  })
})
