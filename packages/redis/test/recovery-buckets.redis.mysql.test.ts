import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { OrderStatus } from '@flash/contracts'
import { flashSales, orderItems, orders, saleBuckets, stockTransfers } from '@flash/db'
import type { Db } from '@flash/db/client'
import {
  createBuyers,
  createProduct,
  type TestDatabase,
  type TestRedis,
  testDatabase,
  testRedis,
} from '@flash/testing'
import { eq } from 'drizzle-orm'
import {
  bucketPartition,
  buyerBucket,
  generationKey,
  giveUnits,
  idempotencyKey,
  type KeySpace,
  keySpace,
  markFreshKeySpace,
  type Offer,
  offerKeys,
  orderKey,
  publishOffer,
  readGeneration,
  streamKey,
  takeUnits,
  transferKey,
} from '../src/index.ts'
import { type RecoveryOptions, recoverPartition } from '../src/recovery/index.ts'

const SETTINGS: RecoveryOptions = {
  orderStateTtlSeconds: 3600,
  finishedOrderTtlSeconds: 600,
  idempotencyTtlSeconds: 86_400,
  returnWindowSeconds: 86_400,
}

const BUCKETS = 3
const PRICE = 5000

// recoverPartition of a partition that holds one bucket of a sale split
// into three (one bucket per partition of a 3-partition key space): what it
// rebuilds from the bucket's allotment, which buyers and orders it takes as
// its own, and how it settles the transfers into and out of the bucket.
describe('recoverPartition with buckets', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await testDatabase()
  })
  afterAll(() => database[Symbol.asyncDispose]())

  /** A 3-bucket sale in MySQL (allotments as given) and in Redis (each bucket published with `published` units). */
  async function bucketedSale(
    db: Db,
    r: TestRedis,
    space: KeySpace,
    allotments: [number, number, number],
    published: [number, number, number],
  ) {
    const quantity = allotments.reduce((sum, units) => sum + units, 0)
    const productId = await createProduct(db, { stock: quantity })
    const saleId = Bun.randomUUIDv7()
    const startsAt = new Date(Date.now() - 60_000)
    const endsAt = new Date(Date.now() + 3_600_000)
    await db.insert(flashSales).values({
      id: saleId,
      productId,
      price: PRICE,
      quantity,
      perUserLimit: 5,
      startsAt,
      endsAt,
      remaining: quantity,
      buckets: BUCKETS,
      createdAt: new Date(),
    })
    await db
      .insert(saleBuckets)
      .values(allotments.map((allotment, bucket) => ({ saleId, bucket, allotment })))
    const offer: Offer = { kind: 'sale', id: saleId }
    const meta = { productId, saleId, price: PRICE, perUserLimit: 5, startsAt, endsAt }
    for (let bucket = 0; bucket < BUCKETS; bucket++)
      await publishOffer(
        r.redis,
        space,
        offer,
        { ...meta, buckets: BUCKETS },
        published[bucket] as number,
        {
          partition: bucketPartition(space, saleId, bucket),
          elsewhere: quantity - (published[bucket] as number),
        },
      )
    return { saleId, productId, offer }
  }

  /** Buyers in MySQL, `perBucket` of them for each bucket (buyerBucket decides). */
  async function buyersByBucket(db: Db, perBucket: number): Promise<string[][]> {
    const found: string[][] = Array.from({ length: BUCKETS }, () => [])
    while (found.some((users) => users.length < perBucket))
      for (const userId of await createBuyers(db, 3 * BUCKETS)) {
        const users = found[buyerBucket(userId, BUCKETS)] as string[]
        if (users.length < perBucket) users.push(userId)
      }
    return found
  }

  async function order(
    db: Db,
    sale: { saleId: string; productId: string },
    userId: string,
    units: number,
    status: OrderStatus,
    key: string,
  ): Promise<string> {
    const id = Bun.randomUUIDv7()
    const now = new Date()
    await db.insert(orders).values({
      id,
      userId,
      saleId: sale.saleId,
      status,
      seq: status === 'pending' ? 1 : 2,
      total: PRICE * units,
      idempotencyKey: key,
      createdAt: now,
      updatedAt: now,
    })
    await db
      .insert(orderItems)
      .values({ orderId: id, productId: sale.productId, quantity: units, unitPrice: PRICE })
    return id
  }

  async function transfer(
    db: Db,
    saleId: string,
    from: number,
    to: number,
    units: number,
    state: 'taking' | 'moved',
  ): Promise<string> {
    const id = Bun.randomUUIDv7()
    const now = new Date()
    await db.insert(stockTransfers).values({
      id,
      saleId,
      fromBucket: from,
      toBucket: to,
      units,
      state,
      createdAt: now,
      updatedAt: now,
    })
    return id
  }

  async function threePartitions(r: TestRedis): Promise<KeySpace> {
    const space = keySpace(r.prefix, 3)
    await markFreshKeySpace(r.redis, space)
    return space
  }

  const recover = (r: TestRedis, space: KeySpace, partition: number, db = database.db) =>
    recoverPartition({ db, redis: r.redis, space, log: () => {} }, partition, SETTINGS)

  it("rebuilds its bucket from the allotment minus its own buyers' units, and settles the transfers into and out of it", async () => {
    await using r = await testRedis()
    const space = await threePartitions(r)
    const db = database.db
    // Bucket 1 took 3 units from bucket 0 (moved: both allotments changed, the give may be lost)
    // and was giving 4 to bucket 2 (taking: taken in the lost Redis, not recorded in MySQL).
    const sale = await bucketedSale(db, r, space, [7, 13, 10], [5, 2, 9])
    const p = bucketPartition(space, sale.saleId, 1)
    const [zero, one, two] = (await buyersByBucket(db, 3)) as [string[], string[], string[]]
    const [ann, bea, cid] = one as [string, string, string]
    const annOrder = await order(db, sale, ann, 2, 'pending', 'a1')
    const beaOrder = await order(db, sale, bea, 1, 'paid', 'b1')
    await order(db, sale, cid, 1, 'cancelled', 'c1')
    const elsewhere = [
      await order(db, sale, zero[0] as string, 2, 'pending', 'z1'),
      await order(db, sale, two[0] as string, 1, 'pending', 't1'),
    ]
    const moved = await transfer(db, sale.saleId, 0, 1, 3, 'moved')
    const taking = await transfer(db, sale.saleId, 1, 2, 4, 'taking')
    const takingIntoP = await transfer(db, sale.saleId, 0, 1, 2, 'taking')
    // An order MySQL does not have yet, in the partition's orders stream (reserve wrote it there).
    const streamed = Bun.randomUUIDv7()
    await r.redis.xadd(
      streamKey(space, p, 'orders'),
      '*',
      'json',
      JSON.stringify({
        type: 'order.placed',
        orderId: streamed,
        seq: '1',
        userId: cid,
        saleId: sale.saleId,
        productId: sale.productId,
        quantity: '1',
        unitPrice: String(PRICE),
        total: String(PRICE),
        idempotencyKey: 'c2',
        placedAt: String(Date.now()),
      }),
    )
    const keys = offerKeys(space, sale.offer, p)
    const others = [0, 2].map((bucket) =>
      offerKeys(space, sale.offer, bucketPartition(space, sale.saleId, bucket)),
    )
    // Partition p's Redis came back empty (its stream excepted, as in a restore of an older file).
    await r.redis.del(keys.stock, keys.buyers, keys.meta, generationKey(space, p))

    const recovery = await recover(r, space, p)
    const transfers = await db
      .select({ id: stockTransfers.id, state: stockTransfers.state })
      .from(stockTransfers)
      .where(eq(stockTransfers.saleId, sale.saleId))
    const stateOf = (id: string) => transfers.find((t) => t.id === id)?.state

    expect({
      outcome: recovery.outcome,
      // 13 - ann's 2 - bea's 1 - cid's streamed 1; the 4 taken toward bucket 2 are back.
      stock: await r.redis.get(keys.stock),
      buyers: await r.redis.hgetall(keys.buyers),
      meta: await r.redis.hmget(keys.meta, 'buckets', 'elsewhere', 'saleId'),
      live: await Promise.all(
        [annOrder, beaOrder, streamed].map((id) => r.redis.exists(orderKey(space, p, id))),
      ),
      foreignLive: await Promise.all(elsewhere.map((id) => r.redis.exists(orderKey(space, p, id)))),
      records: await Promise.all(
        [
          [ann, 'a1'],
          [zero[0] as string, 'z1'],
        ].map(([userId, key]) =>
          r.redis.exists(idempotencyKey(space, p, userId as string, sale.saleId, key as string)),
        ),
      ),
      transfers: [stateOf(moved), stateOf(taking), stateOf(takingIntoP)],
      markers: await Promise.all(
        [moved, taking, takingIntoP].map((id) => r.redis.get(transferKey(space, p, id))),
      ),
      otherStocks: await Promise.all(others.map((other) => r.redis.get(other.stock))),
      otherGenerations: await Promise.all(
        others.map(async (other) => (await readGeneration(r.redis, space, other.partition)).state),
      ),
      generation: (await readGeneration(r.redis, space, p)).state,
    }).toEqual({
      outcome: 'rebuilt',
      stock: '9',
      buyers: { [ann]: '2', [bea]: '1', [cid]: '1' },
      meta: [String(BUCKETS), '1', sale.saleId],
      live: [1, 1, 1],
      foreignLive: [0, 0],
      records: [1, 0],
      transfers: ['moved', 'void', 'taking'],
      markers: ['given', 'void', null],
      otherStocks: ['5', '9'],
      otherGenerations: ['current', 'current'],
      generation: 'current',
    })
    const ttl = await r.redis.ttl(transferKey(space, p, moved))
    expect(ttl > 0 && ttl <= 7 * 86_400).toBe(true)

    // The balancer resumes both afterwards: the give adds nothing, the voided take takes nothing.
    const leg = { saleId: sale.saleId, partition: p }
    const give = await giveUnits(r.redis, space, { ...leg, transferId: moved, units: 3 }, 3600)
    const take = await takeUnits(
      r.redis,
      space,
      { ...leg, transferId: taking, units: 4 },
      { mode: 'void' },
      3600,
    )
    expect({ give, take, stock: await r.redis.get(keys.stock) }).toEqual({
      give: { type: 'AlreadyGiven', remaining: 9 },
      take: { type: 'Void', remaining: 9 },
      stock: '9',
    })
  })

  it('rebuilds a partition holding a bucket that was stamped on another server, where one without buckets is only checked', async () => {
    await using r = await testRedis()
    const space = await threePartitions(r)
    const sale = await bucketedSale(database.db, r, space, [4, 4, 4], [4, 4, 4])
    const p = bucketPartition(space, sale.saleId, 2)
    const keys = offerKeys(space, sale.offer, p)
    // Restarted on another server with a stock a lost give left too low; its stream has nothing MySQL lacks.
    await r.redis.set(generationKey(space, p), 'f'.repeat(40))
    await r.redis.set(keys.stock, 1)

    const recovery = await recoverPartition(
      { db: database.db, redis: r.redis, space, log: () => {} },
      p,
      { ...SETTINGS, appliedEntryId: async () => null },
    )

    expect({
      outcome: recovery.outcome,
      why: recovery.outcome === 'rebuilt' && recovery.why,
      stock: await r.redis.get(keys.stock),
      generation: (await readGeneration(r.redis, space, p)).state,
    }).toEqual({
      outcome: 'rebuilt',
      why: 'Redis restarted on a partition holding buckets, whose transfers the orders stream does not record',
      stock: '4',
      generation: 'current',
    })

    // The same restart where no recent bucketed sale has a bucket: checked and stamped, as before.
    await using own = await testDatabase()
    await using plain = await testRedis()
    const plainSpace = await threePartitions(plain)
    const ended = await bucketedSale(own.db, plain, plainSpace, [4, 4, 4], [4, 4, 4])
    await own.db
      .update(flashSales)
      .set({ endsAt: new Date(Date.now() - 30 * 86_400_000) })
      .where(eq(flashSales.id, ended.saleId))
    await plain.redis.set(generationKey(plainSpace, 0), 'f'.repeat(40))
    const checked = await recoverPartition(
      { db: own.db, redis: plain.redis, space: plainSpace, log: () => {} },
      0,
      { ...SETTINGS, appliedEntryId: async () => null },
    )
    expect(checked.outcome).toBe('checked')
  })
})
