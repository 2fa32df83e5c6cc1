import { describe, expect, it } from 'bun:test'
import { orders } from '@flash/db'
import { offerKeys } from '@flash/redis'
import { createBuyers, createSale, spawnApp, waitFor } from '@flash/testing'
import { count, countDistinct } from 'drizzle-orm'
import { placeOrder, startCheckout } from './helpers.ts'

describe('a stampede on one sale', () => {
  it('sells exactly the quantity to 2,000 buyers at once and the writer stores exactly those orders', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const buyers = await createBuyers(db, 2_000)
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 100,
      perUserLimit: 1,
    })

    const answers = await Promise.all(
      buyers.map((buyer) => placeOrder(checkout.url, buyer, { saleId, quantity: 1 })),
    )

    const byStatus = Map.groupBy(
      answers,
      (a) => `${a.status} ${a.body.error?.code ?? a.body.status}`,
    )
    expect(Object.fromEntries([...byStatus].map(([k, v]) => [k, v.length]))).toEqual({
      '202 pending': 100,
      '409 sold_out': 1_900,
    })
    const stock = await checkout.redis.redis.get(
      offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock,
    )
    expect(stock).toBe('0')

    {
      await using _worker = spawnApp('worker', {
        DATABASE_URL: checkout.database.url,
        REDIS_URL: checkout.redis.url,
        REDIS_PREFIX: checkout.redis.prefix,
      })
      await waitFor(
        async () => ((await db.select({ n: count() }).from(orders))[0]?.n ?? 0) >= 100,
        { what: 'the writer to store 100 orders' },
      )
    }
    const [stored] = await db
      .select({ rows: count(), buyers: countDistinct(orders.userId) })
      .from(orders)
    expect(stored).toEqual({ rows: 100, buyers: 100 })
    const accepted = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.orderId))
    const storedIds = await db.select({ id: orders.id }).from(orders)
    expect(new Set(storedIds.map((row) => row.id))).toEqual(accepted)
  })

  it('gives one buyer firing 20 requests at once exactly one order', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const [buyer] = await createBuyers(db, 1)
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 50,
      perUserLimit: 1,
    })

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        placeOrder(checkout.url, buyer as string, { saleId, quantity: 1 }),
      ),
    )

    expect(answers.filter((a) => a.status === 202)).toHaveLength(1)
    expect(
      answers.filter((a) => a.status === 409 && a.body.error.code === 'limit_reached'),
    ).toHaveLength(19)
    const stock = await checkout.redis.redis.get(
      offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock,
    )
    expect(stock).toBe('49')
  })

  it('keeps taking orders after SCRIPT FLUSH empties the script cache', async () => {
    await using checkout = await startCheckout()
    const { db } = checkout.database
    const [first, second] = await createBuyers(db, 2)
    const { saleId } = await createSale(db, checkout.redis.redis, checkout.redis.space, {
      quantity: 10,
    })

    const before = await placeOrder(checkout.url, first as string, { saleId, quantity: 1 })
    await checkout.redis.redis.script('FLUSH')
    const after = await placeOrder(checkout.url, second as string, { saleId, quantity: 1 })

    expect([before.status, after.status]).toEqual([202, 202])
    const stock = await checkout.redis.redis.get(
      offerKeys(checkout.redis.space, { kind: 'sale', id: saleId }).stock,
    )
    expect(stock).toBe('8')
  })
})
