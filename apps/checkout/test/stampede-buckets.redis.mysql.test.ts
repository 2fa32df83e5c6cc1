import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { orderItems, orders, saleBuckets, stockTransfers } from '@flash/db'
import { bucketPartition, buyerBucket, offerKeys } from '@flash/redis'
import { createBuyers, createSale, spawnApp, waitFor } from '@flash/testing'
import { and, eq, inArray, notInArray, sum } from 'drizzle-orm'
import { placeOrder, startCheckout } from './helpers.ts'

setDefaultTimeout(120_000)

const BUCKETS = 3
const QUANTITY = 90
/** Buyers per bucket: bucket 2's few cannot buy its 30 units, which must move to where the crowd is. */
const CROWD = [400, 60, 10]

// A hot sale split into three buckets on three partitions, with a worker
// balancing them: the crowd lands unevenly, buyers whose bucket runs short
// are told to come back (503, Retry-After) and do so with the same key,
// and the sale still sells exactly its quantity, each unit once.
describe('a stampede on a bucketed sale', () => {
  it('sells exactly the quantity across the buckets, units moving to where the buyers are', async () => {
    await using checkout = await startCheckout({ partitions: BUCKETS })
    const { db } = checkout.database
    const space = checkout.space
    const everyone = await createBuyers(db, 1_500)
    const buyers = CROWD.flatMap((n, bucket) =>
      everyone.filter((id) => buyerBucket(id, BUCKETS) === bucket).slice(0, n),
    )
    expect(buyers).toHaveLength(CROWD.reduce((a, b) => a + b))
    const { saleId } = await createSale(db, checkout.redis.redis, space, {
      quantity: QUANTITY,
      perUserLimit: 1,
      buckets: BUCKETS,
    })
    await using _worker = spawnApp('worker', {
      DATABASE_URL: checkout.database.url,
      REDIS_URL: checkout.redis.url,
      REDIS_PREFIX: checkout.redis.prefix,
      REDIS_PARTITIONS: String(BUCKETS),
      BUCKET_BALANCE_MS: '50',
    })

    // Each buyer asks until the answer is final, always with its one key, as the client library does.
    const answers = await Promise.all(
      buyers.map((buyer) => {
        const key = crypto.randomUUID()
        return waitFor(
          async () => {
            const answer = await placeOrder(checkout.url, buyer, { saleId, quantity: 1 }, key)
            return answer.status === 503 ? undefined : answer
          },
          { what: `a final answer for buyer ${buyer}`, timeoutMs: 60_000 },
        )
      }),
    )

    const byStatus = Map.groupBy(
      answers,
      (a) => `${a.status} ${a.body.error?.code ?? a.body.status}`,
    )
    expect(Object.fromEntries([...byStatus].map(([k, v]) => [k, v.length]))).toEqual({
      '202 pending': QUANTITY,
      '409 sold_out': buyers.length - QUANTITY,
    })
    const stocks = await Promise.all(
      Array.from({ length: BUCKETS }, (_, bucket) =>
        checkout.redis.redis.get(
          offerKeys(space, { kind: 'sale', id: saleId }, bucketPartition(space, saleId, bucket))
            .stock,
        ),
      ),
    )
    expect(stocks).toEqual(['0', '0', '0'])

    // The record: every accepted order stored once, no transfer left half done, and each
    // bucket's allotment exactly the units its own buyers hold.
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.body.orderId as string)
    await waitFor(
      async () =>
        (await db.select({ id: orders.id }).from(orders).where(inArray(orders.id, accepted)))
          .length === QUANTITY,
      { what: 'the writer to store every accepted order', timeoutMs: 30_000 },
    )
    await waitFor(
      async () =>
        (
          await db
            .select({ id: stockTransfers.id })
            .from(stockTransfers)
            .where(
              and(
                eq(stockTransfers.saleId, saleId),
                notInArray(stockTransfers.state, ['done', 'void']),
              ),
            )
        ).length === 0,
      { what: 'every transfer finished' },
    )
    const allotments = await db
      .select({ bucket: saleBuckets.bucket, allotment: saleBuckets.allotment })
      .from(saleBuckets)
      .where(eq(saleBuckets.saleId, saleId))
      .orderBy(saleBuckets.bucket)
    const held = new Array(BUCKETS).fill(0)
    const rows = await db
      .select({ userId: orders.userId, units: sum(orderItems.quantity) })
      .from(orders)
      .innerJoin(orderItems, eq(orderItems.orderId, orders.id))
      .where(eq(orders.saleId, saleId))
      .groupBy(orders.userId)
    for (const row of rows) held[buyerBucket(row.userId, BUCKETS)] += Number(row.units)
    expect(allotments.map((a) => a.allotment)).toEqual(held)
    expect(held.reduce((a, b) => a + b)).toBe(QUANTITY)
    // The crowd's buckets sold more than they were given: units did move.
    expect(held[0]).toBeGreaterThan(QUANTITY / BUCKETS)
  })

  it('answers a buyer whose bucket is short 503 with Retry-After while others hold units, and sold_out once none do', async () => {
    await using checkout = await startCheckout({ partitions: BUCKETS })
    const { db } = checkout.database
    const space = checkout.space
    const everyone = await createBuyers(db, 60)
    const [ann, bob] = everyone.filter((id) => buyerBucket(id, BUCKETS) === 0) as [string, string]
    const { saleId } = await createSale(db, checkout.redis.redis, space, {
      quantity: BUCKETS,
      perUserLimit: 1,
      buckets: BUCKETS,
    })

    expect((await placeOrder(checkout.url, ann, { saleId, quantity: 1 })).status).toBe(202)
    const key = crypto.randomUUID()
    const short = await placeOrder(checkout.url, bob, { saleId, quantity: 1 }, key)
    expect({ status: short.status, retryAfter: short.headers.get('retry-after') }).toEqual({
      status: 503,
      retryAfter: '1',
    })
    expect(short.body).toEqual({
      error: { code: 'unavailable', message: expect.stringContaining('try again') },
    })

    // What the balancer writes once it finds the other buckets empty: the same key is now sold out.
    for (let bucket = 0; bucket < BUCKETS; bucket++)
      await checkout.redis.redis.hset(
        offerKeys(space, { kind: 'sale', id: saleId }, bucketPartition(space, saleId, bucket)).meta,
        'elsewhere',
        0,
      )
    const soldOut = await placeOrder(checkout.url, bob, { saleId, quantity: 1 }, key)
    expect({ status: soldOut.status, code: soldOut.body.error?.code }).toEqual({
      status: 409,
      code: 'sold_out',
    })
  })
})
