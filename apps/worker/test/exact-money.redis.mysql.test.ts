import { describe, expect, it } from 'bun:test'
import { parseOrderEvent } from '@flash/contracts'
import { orderItems, orders } from '@flash/db'
import { findOrderState, moveOrderState, reserve, streamKey } from '@flash/redis'
import { toEntries } from '@flash/streams'
import { createBuyers, createSale, testDatabase, testRedis } from '@flash/testing'
import { eq } from 'drizzle-orm'
import { writeOrders } from '../src/consumers/order-rows.ts'

// Lua numbers are doubles and '..' writes them with 14 significant digits, so
// a total of 15 or 16 digits written that way comes out rounded
// ("9.98999999999e+14"). Totals up to the catalog's bounds (a price of at
// most 10^12 times at most 1,000 units) must stay exact from the script to MySQL.
describe('money, from the reserve script to MySQL', () => {
  for (const { unitPrice, quantity, total } of [
    { unitPrice: 999_999_999_999, quantity: 999, total: 998_999_999_999_001 },
    { unitPrice: 1_000_000_000_000, quantity: 1_000, total: 1_000_000_000_000_000 },
  ])
    it(`keeps ${unitPrice} × ${quantity} = ${total} exact in the state, the events and MySQL`, async () => {
      await using database = await testDatabase()
      await using r = await testRedis()
      const [userId] = (await createBuyers(database.db, 1)) as [string]
      const { saleId } = await createSale(database.db, r.redis, r.space, {
        quantity,
        perUserLimit: quantity,
        price: unitPrice,
      })
      const orderId = Bun.randomUUIDv7()
      const placed = await reserve(r.redis, r.space, {
        offer: { kind: 'sale', id: saleId },
        orderId,
        userId,
        quantity,
        fingerprint: 'f',
        idempotencyKey: 'k',
        idempotencyTtlSeconds: 600,
        orderTtlSeconds: 3600,
      })
      if (placed.isErr()) throw new Error(`not placed: ${placed.error.type}`)
      const state = await findOrderState(r.redis, r.space, orderId)
      if (!state) throw new Error('no live state')
      const paid = await moveOrderState(r.redis, r.space, state, {
        userId: null,
        from: ['pending'],
        to: 'paid',
        restore: false,
        ttlSeconds: 3600,
      })
      if (paid.isErr()) throw new Error(`not paid: ${paid.error.type}`)
      const stream = streamKey(r.space, 0, 'orders')
      const events = toEntries([[stream, await r.redis.xrange(stream, '-', '+')]]).map(
        ({ id, fields }) => ({ id, event: parseOrderEvent(fields ?? {})._unsafeUnwrap() }),
      )
      expect((await writeOrders(database.db)(events)).isOk()).toBe(true)
      const [row] = await database.db
        .select({
          total: orders.total,
          unitPrice: orderItems.unitPrice,
          quantity: orderItems.quantity,
        })
        .from(orders)
        .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
        .where(eq(orders.id, orderId))

      const money = { unitPrice, quantity, total }
      const after = await findOrderState(r.redis, r.space, orderId)
      expect({
        placed: { unitPrice: state.unitPrice, quantity: state.quantity, total: state.total },
        paid: { unitPrice: after?.unitPrice, quantity: after?.quantity, total: after?.total },
        events: events.map(({ event: e }) => ({
          unitPrice: e.unitPrice,
          quantity: e.quantity,
          total: e.total,
        })),
        mysql: row,
      }).toEqual({ placed: money, paid: money, events: [money, money], mysql: money })
    })
})
